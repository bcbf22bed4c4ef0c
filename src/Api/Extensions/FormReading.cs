namespace Dojo.Api.Extensions;

public static class FormReading
{
    /// <summary>
    /// Reads a multipart form; a body that is not valid multipart (a broken header, a part cut short) becomes a
    /// 400 naming the body (through <see cref="BadRequestHandler"/>), not a 500.
    /// </summary>
    public static async Task<IFormCollection> ReadFormCheckedAsync(this HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw new BadHttpRequestException($"the multipart form could not be read: {ex.Message}", StatusCodes.Status400BadRequest, ex);
        }
    }
}
