using Dojo.Api.Tests.Kinds.Line;
using Dojo.Worker;

namespace Dojo.Api.Tests;

/// <summary>
/// The test assembly doubles as a worker process that also knows the tests' own job kind
/// (<c>dotnet Dojo.Api.Tests.dll worker</c>, started by <see cref="Infrastructure.DojoProcess.TestWorker"/>), so that
/// a test can kill a real worker that trains it. The test runner never calls this.
/// </summary>
public static class TestProgram
{
    public static int Main(string[] args)
    {
        if (args is not ["worker", .. var rest]) return 2;
        WorkerProgram.Run(rest, worker => worker.Services.AddJobKind<LineSpec, LineTrainer>(LineSpec.KindName));
        return 0;
    }
}
