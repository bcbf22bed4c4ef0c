using Microsoft.AspNetCore.Http.Metadata;

namespace Dojo.Api.Extensions;

/// <summary>
/// Endpoint metadata for uploads, which may be larger than other requests: <c>Dojo:Limits:MaxUploadBytes</c>
/// (default 100 MiB) instead of <c>MaxRequestBodyBytes</c>. A declared larger body is a 413 before it is read.
/// </summary>
public sealed class UploadSizeLimit(IConfiguration configuration) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = configuration.GetValue("Dojo:Limits:MaxUploadBytes", 100L << 20);
}
