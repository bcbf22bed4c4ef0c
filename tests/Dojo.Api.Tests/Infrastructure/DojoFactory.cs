using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dojo.Api.People;
using Dojo.Domain.Specs;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>
/// The real API, with its in-process worker, on a fresh SQLite data directory per test class. Its clients
/// call as the bootstrap instructor unless a test makes a student (<see cref="CreateStudentAsync"/>).
/// </summary>
public class DojoFactory : WebApplicationFactory<Program>
{
    /// <summary>The first instructor's token, given by configuration as an operator would.</summary>
    public const string InstructorToken = "dojo_test-instructor-token-0123456789";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "dojo-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Dojo:DataDirectory", DataDirectory);
        builder.UseSetting("Dojo:Auth:BootstrapToken", InstructorToken);
        builder.UseSetting("Dojo:Worker:HeartbeatSeconds", "1");
        builder.UseSetting("Dojo:Worker:Slots", "2");
        builder.UseSetting("Dojo:Worker:UndeliveredGraceSeconds", "1");
        builder.UseSetting("Dojo:Grading:Seeds", "2");
        builder.UseSetting("Dojo:Grading:PollMilliseconds", "100");
        builder.UseSetting("Dojo:Limits:MaxEpochs", "20000");
        builder.UseSetting("Serilog:MinimumLevel:Default", Environment.GetEnvironmentVariable("DOJO_TEST_LOG") ?? "Warning");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>What a test class configures differently (a subclass per configuration, as a class fixture).</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", InstructorToken);
    }

    /// <summary>
    /// A client calling as the first instructor, as WebApplicationFactory's own does (redirects followed, cookies kept), that
    /// also reads every 4xx problem the API answers and fails the test if it speaks .NET (<see cref="RequestWordsHandler"/>).
    /// </summary>
    public new HttpClient CreateClient() =>
        CreateDefaultClient(new Uri("http://localhost"), new RequestWordsHandler(), new Microsoft.AspNetCore.Mvc.Testing.Handlers.RedirectHandler(),
            new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler());

    /// <summary>A client calling with <paramref name="token"/> (null: no Authorization header at all).</summary>
    public HttpClient CreateClient(string? token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Adds a student through the API, as an instructor would, and answers a client that calls as them.</summary>
    public async Task<(HttpClient Client, IssuedTokenDto Issued)> CreateStudentAsync(string name, string? number = null)
    {
        var response = await CreateClient().PostAsJsonAsync("/api/users", new { name, role = "student", number });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"creating a student returned {(int)response.StatusCode}: {body}");
        var issued = System.Text.Json.JsonSerializer.Deserialize<IssuedTokenDto>(body, SpecJson.Options)!;
        return (CreateClient(issued.Secret), issued);
    }

    /// <summary>A gRPC channel over the test server, sending <paramref name="token"/> (default: the instructor's) as call metadata.</summary>
    public GrpcChannel CreateGrpcChannel(string? token = InstructorToken) =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = new BearerHandler(token) { InnerHandler = Server.CreateHandler() } });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>Sets <c>Authorization: Bearer</c> on every request it passes on (for gRPC channels and plain clients alike).</summary>
public sealed class BearerHandler(string? token) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Every refusal the suite provokes is read as a student would read it: a 4xx problem that names a .NET type, member or
/// parameter declaration ("System.Int32", "Dojo.Domain…", "could not be mapped to any .NET member", "Implicit body
/// inferred") fails the test that got it.
/// </summary>
public sealed partial class RequestWordsHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode is >= 400 and < 500 && response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (DotNetWords().Match(body) is { Success: true } found)
                throw new Xunit.Sdk.XunitException($"{request.Method} {request.RequestUri?.PathAndQuery} answered {(int)response.StatusCode} in .NET's words ('{found.Value}'): {body}");
        }
        return response;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"System\.[A-Z]\w+|Dojo\.[A-Z]\w+\.|\.NET member|Implicit body|Did you mean to use a Service|parameter \\?""\w+[ ?]|Nullable`|List`")]
    private static partial System.Text.RegularExpressions.Regex DotNetWords();
}
