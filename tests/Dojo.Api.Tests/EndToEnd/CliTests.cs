using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>
/// The dojo command as a student runs it — a real process against a real Dojo process: login, submit, watch with its
/// progress, download, hand in; and a watch whose connection drops mid-stream, which resumes without repeating a point.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-cli", Guid.NewGuid().ToString("N"));
    private readonly string _home;
    private readonly int _rest = DojoProcess.FreePort(), _grpc = DojoProcess.FreePort();
    private readonly DojoProcess _api;
    private readonly DroppingProxy _proxy;

    public CliTests()
    {
        _home = Directory.CreateDirectory(Path.Combine(_data, "home")).FullName;
        _api = DojoProcess.Api(Path.Combine(_data, "dojo"), _rest, _grpc, inProcessWorker: true);
        _proxy = new DroppingProxy(_grpc);
    }

    private string Server => $"http://127.0.0.1:{_rest}";

    private HttpClient Client(string token) => DojoProcess.Client(_rest, token);

    private ProcessStartInfo Cli(params string[] arguments)
    {
        var start = ProcessRun.Of("dotnet", [DojoProcess.Dll("Cli"), .. arguments]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.WorkingDirectory = _home;
        start.Environment["DOJO_CONFIG_DIR"] = Path.Combine(_home, "config");
        return start;
    }

    private Task<(int Exit, string Output, string Errors)> RunAsync(params string[] arguments) => ProcessRun.RunAsync(Cli(arguments));

    [Fact]
    public async Task A_student_logs_in_submits_watches_downloads_and_hands_in_and_a_dropped_watch_resumes_without_repeats()
    {
        await _api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        var instructor = Client(DojoFactory.InstructorToken);
        var student = await (await instructor.PostAsJsonAsync("/api/users", new { name = "端末 太郎", number = "C001" })).Content.ReadFromJsonAsync<JsonObject>();
        string token = student!["secret"]!.GetValue<string>();

        // Login: a wrong token is refused and nothing is saved; the right one is saved for the user only.
        var refused = await RunAsync("login", Server, "--token", "dojo_wrong");
        Assert.Equal(5, refused.Exit);
        Assert.False(File.Exists(Path.Combine(_home, "config", "config.json")));
        var login = await RunAsync("login", Server, "--token", token, "--grpc", $"http://127.0.0.1:{_proxy.Port}");
        Assert.True(login.Exit == 0, login.Errors);
        Assert.Contains("端末 太郎", login.Output);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home, "config", "config.json")));

        // Submit a spec file and watch it to the end: a progress line per epoch, then the final state.
        string spec = Path.Combine(_home, "xor.json");
        await File.WriteAllTextAsync(spec, DojoClient.With(DojoClient.Sample("xor"), ("name", "cli-xor"), ("training.epochs", 30)).ToJsonString());
        var submitted = await RunAsync("submit", spec, "--watch");
        Assert.True(submitted.Exit == 0, submitted.Output + submitted.Errors);
        var lines = submitted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(1, 30).Select(e => $"epoch {e}/30"), lines.Where(l => l.StartsWith("epoch ")).Select(l => l.Split("  ")[0]));
        Assert.Contains(lines, l => l.StartsWith("epoch 30/30") && l.Contains("val_accuracy"));
        Assert.Equal("succeeded", lines[^1].Trim());
        string jobId = System.Text.RegularExpressions.Regex.Match(lines[0], "[0-9a-f]{8}-[0-9a-f-]{27}").Value;

        // Downloads: weights for PyTorch users, the boundary picture.
        var weights = await RunAsync("download", jobId, "--format", "safetensors", "-o", "xor.safetensors");
        Assert.True(weights.Exit == 0, weights.Errors);
        Assert.True(BitConverter.ToInt64(await File.ReadAllBytesAsync(Path.Combine(_home, "xor.safetensors")), 0) > 0);
        var picture = await RunAsync("download", jobId, "--plot", "boundary", "-o", "boundary.png");
        Assert.True(picture.Exit == 0, picture.Errors);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(Path.Combine(_home, "boundary.png")))[..4]);

        // Hand in a report; a wrong kind of work is refused with the server's words and exit code 1.
        var course = await (await instructor.PostAsJsonAsync("/api/courses", new { name = "CLI" })).Content.ReadFromJsonAsync<JsonObject>();
        var unit = await (await instructor.PostAsJsonAsync($"/api/courses/{course!["id"]}/units", new { name = "レポート" })).Content.ReadFromJsonAsync<JsonObject>();
        var exercise = await (await instructor.PostAsJsonAsync($"/api/units/{unit!["id"]}/exercises",
            new { number = 1, title = "感想", kind = "reportFile", allowedFileKinds = new[] { "md" } })).Content.ReadFromJsonAsync<JsonObject>();
        await File.WriteAllTextAsync(Path.Combine(_home, "report.md"), "# 感想\n\nXOR は 30 エポックで解けた。\n");
        var handIn = await RunAsync("hand-in", exercise!["id"]!.GetValue<string>(), "--file", "report.md");
        Assert.True(handIn.Exit == 0, handIn.Errors);
        Assert.Contains("attempt 1", handIn.Output);
        var wrong = await RunAsync("hand-in", exercise["id"]!.GetValue<string>(), "--job", jobId);
        Assert.Equal(1, wrong.Exit);
        Assert.Contains("this exercise takes a file", wrong.Errors);
        // Exercise 1 by playground URLs, waiting for the automatic grade while its runs show their progress.
        string first = (await CourseHelpers.SeededExerciseAsync(instructor, 1)).ToString();
        const string page = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&learningRate=0.03&noise=0&seed=0.12345&percTrainData=50&x=true&y=true&problem=classification";
        var graded = await RunAsync("hand-in", first, "--url", $"xor={page}&dataset=xor&networkShape=4,2",
            "--url", $"spiral={page}&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true", "--wait");
        Assert.True(graded.Exit == 0, graded.Output + graded.Errors);
        var gradingLines = graded.Output.Split('\n').Where(l => l.StartsWith("grading: ")).ToList();
        Assert.StartsWith("grading: 0 of ", gradingLines[0]);
        Assert.Contains("graded: xor: passed", graded.Output);

        // Enrolled in the course, the student sees the exercise among theirs with the attempt.
        Assert.True((await instructor.PutAsJsonAsync($"/api/users/{student["user"]!["id"]}/course", new { courseId = course["id"] })).IsSuccessStatusCode);
        var mine = await RunAsync("exercises", "--json");
        Assert.Single(JsonNode.Parse(mine.Output)!.AsArray().Single(e => e!["exerciseId"]!.GetValue<string>() == exercise["id"]!.GetValue<string>())!["attempts"]!.AsArray());

        // Another student's job never shows in this student's list.
        var other = await (await instructor.PostAsJsonAsync("/api/users", new { name = "他人", number = "C002" })).Content.ReadFromJsonAsync<JsonObject>();
        var othersJob = await (await Client(other!["secret"]!.GetValue<string>()).PostAsJsonAsync("/api/jobs", DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2))))
            .Content.ReadFromJsonAsync<JsonObject>();
        var listed = JsonNode.Parse((await RunAsync("jobs", "--json", "--limit", "100")).Output)!["items"]!.AsArray();
        var jobs = listed.Select(j => j!["id"]!.GetValue<string>()).ToList();
        Assert.Contains(jobId, jobs); // with the grading's runs, which are theirs too
        Assert.DoesNotContain(othersJob!["id"]!.GetValue<string>(), jobs);
        Assert.All(listed, j => Assert.Equal(student["user"]!["id"]!.GetValue<string>(), j!["ownerId"]!.GetValue<string>()));

        // A watch whose connection is cut twice mid-stream: it says so, resumes after the last point, and ends with every point once.
        await File.WriteAllTextAsync(spec, DojoClient.With(DojoClient.Sample("xor"), ("name", "cli-long"), ("training.epochs", 60), ("training.batchSize", 1),
            ("dataset.samples", 1000)).ToJsonString());
        string longJob = JsonNode.Parse((await RunAsync("submit", spec, "--json")).Output)!["id"]!.GetValue<string>();
        using var watch = Process.Start(Cli("watch", longJob, "--json"))!;
        var errors = watch.StandardError.ReadToEndAsync();
        var seqs = new List<long>();
        JsonObject? final = null;
        while (await watch.StandardOutput.ReadLineAsync() is { } line)
        {
            var item = JsonNode.Parse(line)!.AsObject();
            if (item["seq"] is { } seq) seqs.Add(seq.GetValue<long>());
            else final = item;
            if (seqs.Count is 20 or 120 && item["seq"] is not null) _proxy.DropAll();
        }
        await watch.WaitForExitAsync();
        Assert.True(watch.ExitCode == 0, await errors);
        Assert.True(_proxy.Dropped >= 2, $"{_proxy.Dropped} connections dropped");
        Assert.Contains("connection lost", await errors);
        Assert.Equal("succeeded", final!["state"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, (int)final["nextSeq"]!.GetValue<long>() - 1).Select(i => (long)i), seqs);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _api.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The README's install: the CLI packed as a .NET tool and installed from the local package folder.</summary>
public sealed class CliPackageTests
{
    [Fact]
    public async Task The_cli_packs_and_installs_as_a_dotnet_tool_named_dojo()
    {
        string folder = Directory.CreateTempSubdirectory("dojo-tool-").FullName;
        try
        {
            string packages = Path.Combine(folder, "nupkg"), tools = Path.Combine(folder, "tools");
            await RunAsync("dotnet", "pack", Path.Combine(DojoProcess.RepositoryRoot(), "src", "Cli"), "-o", packages, "-nologo", "-v", "q");
            Assert.Single(Directory.GetFiles(packages, "Dojo.Cli.*.nupkg"));
            await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "Dojo.Cli");
            var (exit, output) = await RunAsync(Path.Combine(tools, "dojo"), "--help");
            Assert.Equal(0, exit);
            Assert.Contains("hand-in <exercise-id>", output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] arguments)
    {
        var (exit, output, errors) = await ProcessRun.RunAsync(ProcessRun.Of(program, arguments), TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)}: {output}{errors}");
        return (exit, output);
    }
}
