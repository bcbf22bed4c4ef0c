namespace Dojo.Domain.Jobs;

/// <summary>
/// A job of any kind: Dojo's own record of it is the truth (Hangfire only delivers work). Its state changes
/// (claim, lease renewal, checkpoint, re-queue, finish, cancel) are made by <c>JobStore</c>, each as one
/// conditional update whose WHERE clause states the rule, because workers and API processes race for them;
/// this class holds the record and how a job is created.
/// </summary>
public sealed class Job
{
    private Job() { }

    public Guid Id { get; private set; }
    public string? Name { get; private set; }
    /// <summary>The user who submitted the job (for a grading's runs: the student whose work is graded).</summary>
    public Guid OwnerId { get; private set; }
    /// <summary>Set when the job is one run of a group (a grading, an experiment); such jobs do not count against a student's job limit.</summary>
    public bool InGroup { get; private set; }
    public JobState State { get; private set; }
    /// <summary>The device asked for, resolved at submit ("cpu", "cuda:0").</summary>
    public string Device { get; private set; } = "cpu";
    /// <summary>The resolved <see cref="Specs.JobSpec"/> as JSON, its kind's record (<c>"kind"</c>; absent in jobs stored before kinds: supervised).</summary>
    public string SpecJson { get; private set; } = "";
    /// <summary>How many times a worker claimed the job (a resumed job has 2 or more).</summary>
    public int Attempts { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public string? LeaseOwner { get; private set; }
    public DateTime? LeaseExpiresAt { get; private set; }
    public bool CancelRequested { get; private set; }
    /// <summary>Why a failed or diverged job ended.</summary>
    public string? Reason { get; private set; }
    /// <summary>The last completed epoch that has a checkpoint (0: none).</summary>
    public int CheckpointEpoch { get; private set; }
    /// <summary>The sequence number the next metric point will get (points 1..NextSeq-1 are stored).</summary>
    public long NextSeq { get; private set; } = 1;
    /// <summary>The Hangfire job that delivers this job's current attempt (null until it was handed over).</summary>
    public string? DeliveryId { get; private set; }
    /// <summary>Final metrics (test_loss, test_accuracy, ...) as a JSON object.</summary>
    public string? ResultJson { get; private set; }
    /// <summary>A classifier's <see cref="Evaluation"/> on the test set (confusion matrix, precision, recall) as JSON.</summary>
    public string? EvaluationJson { get; private set; }
    /// <summary>The attempts that failed inside LibTorch and were retried from the checkpoint, as a JSON list of <see cref="InternalRetry"/>.</summary>
    public string? RetriesJson { get; private set; }

    public IReadOnlyList<InternalRetry> Retries =>
        RetriesJson is null ? [] : Specs.SpecJson.DeserializeStored<List<InternalRetry>>(RetriesJson);

    public static Job Create(string? name, Guid ownerId, string device, string specJson, DateTime now, bool inGroup = false) => new()
    {
        Id = Guid.CreateVersion7(now),
        Name = name,
        OwnerId = ownerId,
        InGroup = inGroup,
        State = JobState.Queued,
        Device = device,
        SpecJson = specJson,
        CreatedAt = now,
    };
}

/// <summary>An attempt of a job that failed inside LibTorch (an internal error, not a bad spec) and was retried from its checkpoint.</summary>
public sealed record InternalRetry(int Attempt, DateTime At, int FromEpoch, string Error);
