namespace Dojo.Domain.Specs;

public enum SpecKind { Network, Optimizer, Dataset }

/// <summary>
/// A named network, optimizer or data set spec that jobs can reference by id. It is its owner's (instructors see
/// all) until an instructor publishes one for everybody; those saved before owners existed are published.
/// </summary>
public sealed class SavedSpec
{
    private SavedSpec() { }

    public Guid Id { get; private set; }
    public SpecKind Kind { get; private set; }
    public string Name { get; private set; } = "";
    public string Json { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    /// <summary>Who saved it (null: saved before owners existed).</summary>
    public Guid? OwnerId { get; private set; }
    /// <summary>Usable by everybody (an instructor published it).</summary>
    public bool Published { get; private set; }

    public static SavedSpec Create(SpecKind kind, string name, string json, Guid ownerId, bool published, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Kind = kind,
        Name = name,
        Json = json,
        OwnerId = ownerId,
        Published = published,
        CreatedAt = now,
    };
}
