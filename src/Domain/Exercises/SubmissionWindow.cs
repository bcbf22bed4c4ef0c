namespace Dojo.Domain.Exercises;

/// <summary>When a submission arrives relative to its exercise's dates.</summary>
public abstract record Timeliness
{
    public sealed record OnTime : Timeliness;
    public sealed record Late(TimeSpan By) : Timeliness;
    /// <summary>After the cutoff and without an extension that covers it: refused.</summary>
    public sealed record Refused(DateTime Cutoff) : Timeliness;
}

/// <summary>
/// An exercise's due date and cutoff, and a student's extension if one was granted. Up to the due date a
/// submission is on time; up to the cutoff it is accepted and marked late by how much; after the cutoff
/// it is refused. An extension gives that student a later due date (and, if later than the cutoff, a
/// later cutoff): submissions up to it are on time.
/// </summary>
public sealed record SubmissionWindow(DateTime? Due, DateTime? Cutoff, DateTime? Extension = null)
{
    public Timeliness Judge(DateTime submittedAt)
    {
        var cutoff = Cutoff is { } c && EffectiveDue is { } d && d > c ? d : Cutoff;
        if (cutoff is { } last && submittedAt > last) return new Timeliness.Refused(last);
        return LateBy(submittedAt) is { } late ? new Timeliness.Late(late) : new Timeliness.OnTime();
    }

    /// <summary>
    /// How late a submission that is in already is by this window (null: on time). The cutoff does not refuse what was
    /// accepted: a moved due date or a new extension judges stored work again, and work past a moved cutoff stays, late.
    /// </summary>
    public TimeSpan? LateBy(DateTime submittedAt) => EffectiveDue is { } deadline && submittedAt > deadline ? submittedAt - deadline : null;

    /// <summary>The due date for this student: the extension when it is later than the exercise's.</summary>
    public DateTime? EffectiveDue => Extension is { } extended && (Due is null || extended > Due) ? extended : Due;
}
