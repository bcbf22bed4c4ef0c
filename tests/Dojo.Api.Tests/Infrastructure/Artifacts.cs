namespace Dojo.Api.Tests.Infrastructure;

/// <summary>
/// Pictures a test makes for people to look at (decision boundaries, browser screenshots): written under
/// <c>DOJO_TEST_ARTIFACTS</c>, else <c>artifacts/</c> beside the test assembly, and kept after the run.
/// </summary>
public static class Artifacts
{
    public static string Directory { get; } = System.IO.Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("DOJO_TEST_ARTIFACTS") is { Length: > 0 } given ? given : Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public static string Save(string name, byte[] content)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
