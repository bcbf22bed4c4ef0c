using System.Security.Claims;
using System.Text.Encodings.Web;
using Dojo.Domain.People;
using Dojo.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.People;

/// <summary>
/// <c>Authorization: Bearer dojo_…</c> on REST and gRPC alike: the token's SHA-256 is looked up among the
/// tokens that are not revoked, of users who are not deactivated. Every request reads the database, so a revoked
/// token or a deactivated user stops at once.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<DojoDb> contexts) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("expected 'Authorization: Bearer <token>'");
        string hash = ApiToken.HashOf(header["Bearer ".Length..].Trim());

        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var user = await (from token in db.ApiTokens
                          where token.Hash == hash && token.RevokedAt == null
                          join u in db.Users on token.UserId equals u.Id
                          select u).AsNoTracking().SingleOrDefaultAsync(Context.RequestAborted);
        if (user is null) return AuthenticateResult.Fail("the token is unknown or revoked");
        if (!user.IsActive) return AuthenticateResult.Fail("the account is deactivated; ask an instructor");

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, user.Name),
                new Claim(ClaimTypes.Role, user.Role.ToString()),
            ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}
