using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>The real API, with its in-process worker, on a fresh SQLite data directory per test class.</summary>
public sealed class DojoFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "dojo-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Dojo:DataDirectory", DataDirectory);
        builder.UseSetting("Dojo:Worker:HeartbeatSeconds", "1");
        builder.UseSetting("Dojo:Worker:Slots", "2");
        builder.UseSetting("Dojo:Worker:UndeliveredGraceSeconds", "1");
        builder.UseSetting("Dojo:Grading:Seeds", "2");
        builder.UseSetting("Dojo:Limits:MaxEpochs", "20000");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
    }

    public GrpcChannel CreateGrpcChannel() =>
        GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}
