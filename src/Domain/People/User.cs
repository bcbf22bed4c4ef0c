using System.Security.Cryptography;
using System.Text;

namespace Dojo.Domain.People;

public enum Role { Instructor, Student }

/// <summary>
/// Someone who uses Dojo: an instructor (sees and manages everything) or a student (sees their own work), enrolled in
/// one course. A deactivated user's tokens stop working; everything they made stays.
/// </summary>
public sealed class User
{
    private User() { }

    public Guid Id { get; private set; }
    /// <summary>The name as written on the roster (山田太郎); it goes into submission file names.</summary>
    public string Name { get; private set; } = "";
    public Role Role { get; private set; }
    /// <summary>The student number from the roster (学籍番号), unique when given.</summary>
    public string? Number { get; private set; }
    public DateTime CreatedAt { get; private set; }
    /// <summary>The course a student is enrolled in: its exercises are theirs, its gradebook lists them. Null: none yet.</summary>
    public Guid? CourseId { get; private set; }
    public DateTime? DeactivatedAt { get; private set; }
    public bool IsActive => DeactivatedAt is null;

    public static User Create(string name, Role role, string? number, DateTime now, Guid? courseId = null) => new()
    {
        Id = Guid.CreateVersion7(now),
        Name = name.Trim(),
        Role = role,
        Number = string.IsNullOrWhiteSpace(number) ? null : number.Trim(),
        CreatedAt = now,
        CourseId = courseId,
    };

    /// <summary>Enrols the user in a course (moving them from the one they were in); their submissions stay where they were made.</summary>
    public void Enrol(Guid courseId) => CourseId = courseId;

    /// <summary>Stops the user's tokens (checked on every request); deactivating again keeps the first time.</summary>
    public void Deactivate(DateTime now) => DeactivatedAt ??= now;

    public void Reactivate() => DeactivatedAt = null;

    /// <summary>Problems with a new user's name and number, keyed by field.</summary>
    public static IEnumerable<(string Field, string Message)> Check(string? name, string? number)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100) yield return ("name", "must be 1 to 100 characters");
        else if (name.Any(char.IsControl)) yield return ("name", "must not contain control characters");
        if (number is not null && (number.Trim().Length > 32 || number.Any(char.IsControl)))
            yield return ("number", "must be at most 32 characters without control characters");
    }
}

/// <summary>
/// A bearer API token. Only its SHA-256 is stored (the token is 256 random bits, so a plain hash is enough:
/// there is nothing to guess); the token itself is shown once, when it is made. Revoking keeps the row,
/// so the list shows what was revoked and when.
/// </summary>
public sealed class ApiToken
{
    public const string Prefix = "dojo_";

    private ApiToken() { }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    /// <summary>SHA-256 of the token, lower-case hex.</summary>
    public string Hash { get; private set; } = "";
    /// <summary>To tell tokens apart in a list: the prefix and the end of the token's id (<c>dojo_…3f9a1c</c>), nothing of the secret.</summary>
    public string Hint { get; private set; } = "";
    public string? Label { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? RevokedAt { get; private set; }

    /// <summary>A new random token for <paramref name="userId"/>: the stored row and the token text (shown once).</summary>
    public static (ApiToken Token, string Secret) Issue(Guid userId, string? label, DateTime now)
    {
        string secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (FromSecret(userId, secret, label, now), secret);
    }

    /// <summary>A token whose text is given (the bootstrap instructor's, from configuration).</summary>
    public static ApiToken FromSecret(Guid userId, string secret, string? label, DateTime now)
    {
        var id = Guid.CreateVersion7(now);
        return new ApiToken { Id = id, UserId = userId, Hash = HashOf(secret), Hint = HintOf(id), Label = label, CreatedAt = now };
    }

    /// <summary>Whether the hint is of the kind an earlier build stored: the secret's first characters.</summary>
    public bool HintShowsSecret => Hint != HintOf(Id);

    /// <summary>Replaces a hint that holds characters of the secret with one made from the id.</summary>
    public void HideSecretInHint() => Hint = HintOf(Id);

    private static string HintOf(Guid id) => $"{Prefix}…{id.ToString("N")[^6..]}";

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public bool Revoke(DateTime now)
    {
        if (RevokedAt is not null) return false;
        RevokedAt = now;
        return true;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
