namespace Dojo.Domain.Jobs;

/// <summary>Queued → Running → Succeeded | Failed | Cancelled | Diverged (the loss became NaN/Inf).</summary>
public enum JobState { Queued, Running, Succeeded, Failed, Cancelled, Diverged }

public static class JobStates
{
    public static bool IsTerminal(this JobState state) => state >= JobState.Succeeded;
}

/// <summary>An illegal state change, refused by the domain.</summary>
public sealed class JobStateException(string message) : InvalidOperationException(message);
