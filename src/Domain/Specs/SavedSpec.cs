namespace Dojo.Domain.Specs;

public enum SpecKind { Network, Optimizer, Dataset }

/// <summary>A named network, optimizer or data set spec that jobs can reference by id.</summary>
public sealed class SavedSpec
{
    private SavedSpec() { }

    public Guid Id { get; private set; }
    public SpecKind Kind { get; private set; }
    public string Name { get; private set; } = "";
    public string Json { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    public static SavedSpec Create(SpecKind kind, string name, string json, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Kind = kind,
        Name = name,
        Json = json,
        CreatedAt = now,
    };
}
