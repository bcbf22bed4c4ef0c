using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Dojo.Domain.People;
using Microsoft.AspNetCore.RateLimiting;

namespace Dojo.Api.Extensions;

/// <summary>
/// Requests per token and minute for what costs the service work: submitting jobs, experiments, gradings and exercise
/// work (<see cref="Submit"/>), and uploads of data sets and report files (<see cref="Upload"/>). Over the limit a
/// request is a 429 ProblemDetails with <c>Retry-After</c>. Instructors are not limited. Section <c>Dojo:RateLimits</c>.
/// </summary>
public static class RateLimits
{
    public const string Submit = "submit";
    public const string Upload = "upload";

    public static WebApplicationBuilder AddDojoRateLimits(this WebApplicationBuilder builder)
    {
        int submits = builder.Configuration.GetValue("Dojo:RateLimits:SubmitsPerMinute", 30);
        int uploads = builder.Configuration.GetValue("Dojo:RateLimits:UploadsPerMinute", 10);
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(Submit, context => PerToken(context, submits));
            options.AddPolicy(Upload, context => PerToken(context, uploads));
            options.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                string wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "60";
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = wait;
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = 429, Title = "Too many requests.", Detail = $"this token has made as many of these requests as a minute allows; try again in {wait} s (Dojo:RateLimits)" },
                });
            };
        });
        return builder;
    }

    /// <summary>A fixed window a minute long per caller; instructors and calls without a user (refused later anyway) pass.</summary>
    private static RateLimitPartition<string> PerToken(HttpContext context, int permits)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || user.IsInRole(nameof(Role.Instructor)))
            return RateLimitPartition.GetNoLimiter("unlimited");
        return RateLimitPartition.GetFixedWindowLimiter(user.FindFirstValue(ClaimTypes.NameIdentifier)!, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}
