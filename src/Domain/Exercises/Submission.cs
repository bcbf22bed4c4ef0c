namespace Dojo.Domain.Exercises;

/// <summary>submitted → grading (automatic runs going) → graded (auto results in, or the instructor's score) → returned (the student sees score and feedback).</summary>
public enum SubmissionState { Submitted, Grading, Graded, Returned }

/// <summary>
/// One attempt of a student at an exercise. Every attempt is kept and numbered from 1; the newest counts.
/// What was handed in is one of: playground URLs per data set, a finished job, or a stored file (by its
/// SHA-256 — the name the student gave is kept for display only, never as a path).
/// </summary>
public sealed class Submission
{
    private Submission() { }

    public Guid Id { get; private set; }
    public Guid ExerciseId { get; private set; }
    public Guid StudentId { get; private set; }
    public int Attempt { get; private set; }
    public DateTime SubmittedAt { get; private set; }
    /// <summary>How long after the due date (or the student's extension) it came; null when on time.</summary>
    public TimeSpan? LateBy { get; private set; }
    public SubmissionState State { get; private set; }
    public ExerciseKind Kind { get; private set; }

    /// <summary>Playground URLs by data set name, as JSON (<c>{"xor": "...", "spiral": "..."}</c>).</summary>
    public string? PlaygroundUrlsJson { get; private set; }
    public Guid? GradingId { get; private set; }
    /// <summary>Set once the automatic grading has ended.</summary>
    public bool? AutoPassed { get; private set; }
    /// <summary>A one-line summary of the automatic grading (per data set: pass/fail and mean test accuracy).</summary>
    public string? AutoSummary { get; private set; }
    /// <summary>The automatic grading as a score out of 100: the share of required data sets that passed.</summary>
    public double? AutoScore { get; private set; }

    public Guid? JobId { get; private set; }

    public string? FileSha256 { get; private set; }
    public ReportFileKind? FileKind { get; private set; }
    public long? FileLength { get; private set; }
    public string? OriginalFileName { get; private set; }

    public double? Score { get; private set; }
    public string? Feedback { get; private set; }
    public DateTime? GradedAt { get; private set; }
    public DateTime? ReturnedAt { get; private set; }

    public static Submission ForPlayground(Guid exerciseId, Guid studentId, int attempt, string urlsJson, Guid gradingId, TimeSpan? lateBy, DateTime now) =>
        New(exerciseId, studentId, attempt, ExerciseKind.PlaygroundUrl, lateBy, now, s =>
        {
            s.PlaygroundUrlsJson = urlsJson;
            s.GradingId = gradingId;
            s.State = SubmissionState.Grading;
        });

    public static Submission ForJob(Guid exerciseId, Guid studentId, int attempt, Guid jobId, TimeSpan? lateBy, DateTime now) =>
        New(exerciseId, studentId, attempt, ExerciseKind.TrainingJob, lateBy, now, s => s.JobId = jobId);

    public static Submission ForFile(Guid exerciseId, Guid studentId, int attempt, string sha256, ReportFileKind kind, long length,
        string originalName, TimeSpan? lateBy, DateTime now) =>
        New(exerciseId, studentId, attempt, ExerciseKind.ReportFile, lateBy, now, s =>
        {
            s.FileSha256 = sha256;
            s.FileKind = kind;
            s.FileLength = length;
            s.OriginalFileName = originalName;
        });

    /// <summary>The instructor's score and feedback; a returned submission stays returned (the student sees the new values).</summary>
    public void Grade(double score, string? feedback, DateTime now)
    {
        Score = score;
        Feedback = feedback;
        GradedAt = now;
        if (State != SubmissionState.Returned) State = SubmissionState.Graded;
    }

    /// <summary>
    /// Hands the score and feedback to the student; only a graded submission can be returned. An automatically graded
    /// one without the instructor's score is returned with its automatic score as the score.
    /// </summary>
    public bool Return(DateTime now)
    {
        if (State != SubmissionState.Graded || (Score ?? AutoScore) is not { } score) return false;
        if (Score is null)
        {
            Score = score;
            GradedAt = now;
        }
        State = SubmissionState.Returned;
        ReturnedAt = now;
        return true;
    }

    /// <summary>Judged again by a changed due date or extension: how late it now is (null: on time).</summary>
    public void Rejudge(SubmissionWindow window) => LateBy = window.LateBy(SubmittedAt);

    private static Submission New(Guid exerciseId, Guid studentId, int attempt, ExerciseKind kind, TimeSpan? lateBy, DateTime now, Action<Submission> fill)
    {
        var submission = new Submission
        {
            Id = Guid.CreateVersion7(now),
            ExerciseId = exerciseId,
            StudentId = studentId,
            Attempt = attempt,
            SubmittedAt = now,
            LateBy = lateBy,
            State = SubmissionState.Submitted,
            Kind = kind,
        };
        fill(submission);
        return submission;
    }
}

/// <summary>An instructor's extension for one student on one exercise: submissions up to <see cref="Until"/> are on time.</summary>
public sealed class Extension
{
    private Extension() { }

    public Guid Id { get; private set; }
    public Guid ExerciseId { get; private set; }
    public Guid StudentId { get; private set; }
    public DateTime Until { get; private set; }
    public DateTime GrantedAt { get; private set; }

    public static Extension Grant(Guid exerciseId, Guid studentId, DateTime until, DateTime now) =>
        new() { Id = Guid.CreateVersion7(now), ExerciseId = exerciseId, StudentId = studentId, Until = until, GrantedAt = now };

    public void Change(DateTime until, DateTime now)
    {
        Until = until;
        GrantedAt = now;
    }
}
