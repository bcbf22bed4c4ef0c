using Dojo.Domain.People;
using Dojo.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.People;

/// <summary>Section <c>Dojo:Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// A token to accept for the first instructor (at least 20 characters; e.g. from a secret in Docker). When
    /// unset, the first start with no instructor creates one and prints its token once.
    /// </summary>
    public string? BootstrapToken { get; set; }
    /// <summary>The name the first instructor gets.</summary>
    public string BootstrapName { get; set; } = "instructor";
}

public static class Policies
{
    public const string Instructor = "instructor";
}

public static class PeopleExtensions
{
    /// <summary>
    /// Bearer tokens for REST and gRPC; every endpoint needs an authenticated caller unless it says otherwise
    /// (health, OpenAPI); instructor-only endpoints ask for <see cref="Policies.Instructor"/>.
    /// </summary>
    public static WebApplicationBuilder AddDojoPeople(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection("Dojo:Auth"));
        builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Instructor, policy => policy.RequireRole(nameof(Role.Instructor)));
        builder.Services.AddHostedService<InstructorBootstrap>();
        return builder;
    }

    public static WebApplication UseDojoPeople(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}

/// <summary>
/// Makes sure someone can log in on a fresh installation: accepts the configured bootstrap token for the first
/// instructor, or — with none configured and no instructor yet — creates one and prints its token once.
/// </summary>
public sealed class InstructorBootstrap(IDbContextFactory<DojoDb> contexts, IOptions<AuthOptions> options, TimeProvider clock,
    ILogger<InstructorBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // API processes starting together on an empty database take turns: one creates the instructor, the others see it.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.LockAsync("dojo:first-instructor", ct);
        var created = await BootstrapAsync(db, ct);
        await transaction.CommitAsync(ct);
        if (created is not { } first) return;
        // Straight to the console, not to the log: the token is a secret and is shown this once.
        Console.Out.WriteLine($"""

            Dojo: first start. Instructor '{first.Name}' was created; its API token (shown only now, keep it):

                {first.Secret}

            Use it as 'Authorization: Bearer <token>'. Revoke it with POST /api/tokens/{first.TokenId}/revoke after making another.

            """);
    }

    /// <summary>Accepts the configured token, or creates the first instructor: what was created, if that.</summary>
    private async Task<(string Name, string Secret, Guid TokenId)?> BootstrapAsync(DojoDb db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // An earlier build kept the first characters of each secret as its hint: replace them with id-based ones.
        var revealing = (await db.ApiTokens.ToListAsync(ct)).Where(t => t.HintShowsSecret).ToList();
        foreach (var stale in revealing) stale.HideSecretInHint();
        if (revealing.Count > 0) await db.SaveChangesAsync(ct);
        var settings = options.Value;
        if (!string.IsNullOrEmpty(settings.BootstrapToken))
        {
            if (settings.BootstrapToken.Length < 20 || settings.BootstrapToken.Any(char.IsWhiteSpace))
                throw new InvalidOperationException("Dojo:Auth:BootstrapToken must be at least 20 characters without spaces.");
            string hash = ApiToken.HashOf(settings.BootstrapToken);
            if (await db.ApiTokens.AnyAsync(t => t.Hash == hash, ct)) return null; // accepted before (or revoked since: then it stays revoked)
            var instructor = await FirstInstructorAsync(db, ct) ?? AddInstructor(db, now);
            db.ApiTokens.Add(ApiToken.FromSecret(instructor.Id, settings.BootstrapToken, "bootstrap (configuration)", now));
            await db.SaveChangesAsync(ct);
            logger.LogInformation("The configured bootstrap token is accepted for instructor {Name}", instructor.Name);
            return null;
        }
        if (await FirstInstructorAsync(db, ct) is not null) return null;
        var first = AddInstructor(db, now);
        var (token, secret) = ApiToken.Issue(first.Id, "bootstrap (first start)", now);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return (first.Name, secret, token.Id);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private static Task<User?> FirstInstructorAsync(DojoDb db, CancellationToken ct) =>
        db.Users.Where(u => u.Role == Role.Instructor).OrderBy(u => u.CreatedAt).FirstOrDefaultAsync(ct);

    private User AddInstructor(DojoDb db, DateTime now)
    {
        var user = User.Create(options.Value.BootstrapName, Role.Instructor, null, now);
        db.Users.Add(user);
        return user;
    }
}
