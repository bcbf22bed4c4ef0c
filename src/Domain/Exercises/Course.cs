using Dojo.Domain.Specs;

namespace Dojo.Domain.Exercises;

/// <summary>How an exercise is handed in.</summary>
public enum ExerciseKind { PlaygroundUrl, TrainingJob, ReportFile }

/// <summary>
/// A course (AI概論) with its units (深層学習), each with numbered exercises (演習①, 演習②). Its time zone is the one its
/// people read times in (the gradebook gives both it and UTC). An archived course is kept with everything in it, but
/// takes no more work and is left out of the course list unless asked for.
/// </summary>
public sealed class Course
{
    private readonly List<Unit> _units = [];

    private Course() { }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    /// <summary>An IANA time zone id (Asia/Tokyo); see <see cref="CourseTimeZone"/>.</summary>
    public string TimeZone { get; private set; } = CourseTimeZone.Japan;
    public DateTime? ArchivedAt { get; private set; }
    public IReadOnlyList<Unit> Units => _units;

    public static Course Create(string name, DateTime now, string timeZone = CourseTimeZone.Japan) =>
        new() { Id = Guid.CreateVersion7(now), Name = name, CreatedAt = now, TimeZone = timeZone };

    public void Rename(string name) => Name = name;

    public void MoveToTimeZone(string timeZone) => TimeZone = timeZone;

    /// <summary>Archives (true) or brings back (false) the course; archiving again keeps the first time.</summary>
    public void SetArchived(bool archived, DateTime now) => ArchivedAt = archived ? ArchivedAt ?? now : null;

    public Unit AddUnit(string name, DateTime now)
    {
        var unit = Unit.Create(Id, name, now);
        _units.Add(unit);
        return unit;
    }
}

public sealed class Unit
{
    private readonly List<Exercise> _exercises = [];

    private Unit() { }

    public Guid Id { get; private set; }
    public Guid CourseId { get; private set; }
    public string Name { get; private set; } = "";
    public IReadOnlyList<Exercise> Exercises => _exercises;

    internal static Unit Create(Guid courseId, string name, DateTime now) => new() { Id = Guid.CreateVersion7(now), CourseId = courseId, Name = name };

    public void Rename(string name) => Name = name;

    public Exercise AddExercise(ExerciseDefinition definition, DateTime now)
    {
        var exercise = Exercise.Create(Id, definition, now);
        _exercises.Add(exercise);
        return exercise;
    }
}

/// <summary>What an instructor sets for an exercise.</summary>
public sealed record ExerciseDefinition
{
    public required int Number { get; init; }
    public required string Title { get; init; }
    public required ExerciseKind Kind { get; init; }
    public string Description { get; init; } = "";
    public DateTime? Due { get; init; }
    public DateTime? Cutoff { get; init; }
    /// <summary>Report files: the kinds accepted and the largest size.</summary>
    public IReadOnlyList<ReportFileKind> AllowedFileKinds { get; init; } = [];
    public long MaxFileBytes { get; init; } = 20 * 1024 * 1024;
    public string NamingTemplate { get; init; } = SubmissionName.DefaultTemplate;
    /// <summary>Playground URLs: the grading rule (data sets, thresholds, epochs, seeds).</summary>
    public PlaygroundGradingRule? PlaygroundRule { get; init; }

    public IReadOnlyDictionary<string, string[]> Validate()
    {
        var errors = new ValidationErrors();
        if (Number is < 1 or > 99) errors.Add("number", "must be between 1 and 99");
        if (string.IsNullOrWhiteSpace(Title) || Title.Length > 200) errors.Add("title", "must be 1 to 200 characters");
        if (Due is not null && Cutoff is not null && Cutoff < Due) errors.Add("cutoff", "must not be before the due date");
        if (Kind == ExerciseKind.ReportFile)
        {
            if (AllowedFileKinds.Count == 0) errors.Add("allowedFileKinds", "a report exercise accepts at least one kind of file");
            if (MaxFileBytes is < 1 or > 100L * 1024 * 1024) errors.Add("maxFileBytes", "must be between 1 byte and 100 MiB");
            foreach (var placeholder in System.Text.RegularExpressions.Regex.Matches(NamingTemplate, @"\{(\w+)\}").Select(m => m.Groups[1].Value))
                if (placeholder is not ("course" or "unit" or "exerciseNo" or "studentName" or "ext"))
                    errors.Add("namingTemplate", $"{{{placeholder}}} is not one of {{course}}, {{unit}}, {{exerciseNo}}, {{studentName}}, {{ext}}");
            if (!NamingTemplate.Contains("{ext}", StringComparison.Ordinal)) errors.Add("namingTemplate", "must end the name with {ext}");
        }
        if (Kind == ExerciseKind.PlaygroundUrl && PlaygroundRule is { } rule)
        {
            if (rule.Requirements.Count == 0) errors.Add("playgroundRule.requirements", "needs at least one data set");
            if (rule.Seeds is < 1 or > 10) errors.Add("playgroundRule.seeds", "must be between 1 and 10");
            if (rule.Epochs is < 1 or > 10_000) errors.Add("playgroundRule.epochs", "must be between 1 and 10000");
        }
        return errors.ToDictionary();
    }
}

public sealed class Exercise
{
    private Exercise() { }

    public Guid Id { get; private set; }
    public Guid UnitId { get; private set; }
    /// <summary>The definition as JSON (kind, dates, file rules, grading rule).</summary>
    public string DefinitionJson { get; private set; } = "";
    public int Number { get; private set; }
    public DateTime CreatedAt { get; private set; }
    /// <summary>Set when archived: kept with its submissions, takes no more work, left out of lists unless asked for.</summary>
    public DateTime? ArchivedAt { get; private set; }

    public ExerciseDefinition Definition => SpecJson.DeserializeStored<ExerciseDefinition>(DefinitionJson);

    /// <summary>A new definition (a changed due date, title, rule…); the submissions already in are judged again by the caller.</summary>
    public void Redefine(ExerciseDefinition definition)
    {
        DefinitionJson = SpecJson.Serialize(definition);
        Number = definition.Number;
    }

    public void SetArchived(bool archived, DateTime now) => ArchivedAt = archived ? ArchivedAt ?? now : null;

    internal static Exercise Create(Guid unitId, ExerciseDefinition definition, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        UnitId = unitId,
        Number = definition.Number,
        DefinitionJson = SpecJson.Serialize(definition),
        CreatedAt = now,
    };
}
