using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace Dojo.Api.Extensions;

/// <summary>
/// A gRPC request whose message is not the protobuf its method takes is answered InvalidArgument, with one log line.
/// grpc-dotnet reads the message before any interceptor runs and turns a parse error into Unknown with an error log
/// and a stack trace; so this reads the (single) request message first, without consuming it, for methods whose
/// client sends one message (unary and server streaming: every Dojo method).
/// </summary>
public sealed class GrpcRequestCheck(ILogger<GrpcRequestCheck> logger)
{
    private readonly ConcurrentDictionary<IMethod, MessageParser?> _parsers = new();

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc
            && grpc.Method.Type is MethodType.Unary or MethodType.ServerStreaming
            && _parsers.GetOrAdd(grpc.Method, ParserOf) is { } parser
            && await ReadProblemAsync(context, parser) is { } problem)
        {
            logger.LogInformation("gRPC {Method}: refused a request that is not a {Message}: {Problem}", grpc.Method.FullName, parser.GetType().GenericTypeArguments[0].Name, problem);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"the request is not a valid {grpc.Method.ServiceName}.{grpc.Method.Name} request: {problem}");
            return;
        }
        await next(context);
    }

    /// <summary>Why the request's message does not parse, or null (it parses, is compressed, or is incomplete: gRPC then says so itself).</summary>
    private static async Task<string?> ReadProblemAsync(HttpContext context, MessageParser parser)
    {
        var reader = context.Request.BodyReader;
        var header = new byte[5]; // compressed flag, then the message's length (big-endian)
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            var buffer = read.Buffer;
            if (buffer.Length >= 5)
            {
                buffer.Slice(0, 5).CopyTo(header);
                long length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
                if (header[0] != 0 || buffer.Length >= 5 + length)
                {
                    string? problem = header[0] != 0 ? null : Parse(parser, buffer.Slice(5, length));
                    reader.AdvanceTo(buffer.Start); // nothing consumed: gRPC reads the message as sent
                    return problem;
                }
            }
            if (read.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start);
                return null;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static string? Parse(MessageParser parser, ReadOnlySequence<byte> message)
    {
        try
        {
            parser.ParseFrom(message);
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The request type's parser (<c>Method&lt;TRequest, TResponse&gt;</c>, TRequest a generated message).</summary>
    private static MessageParser? ParserOf(IMethod method) =>
        method.GetType() is { IsGenericType: true } type
            ? type.GenericTypeArguments[0].GetProperty("Parser", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null) as MessageParser
            : null;
}
