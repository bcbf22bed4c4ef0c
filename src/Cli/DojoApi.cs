using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Dojo.Cli;

/// <summary>Dojo's REST API with the saved token; an error answer becomes a <see cref="CliException"/> with the server's own words.</summary>
public sealed class DojoApi : IDisposable
{
    private readonly HttpClient _http;

    public DojoApi(DojoConfig config)
    {
        _http = new HttpClient { BaseAddress = new Uri(config.Server + "/"), Timeout = TimeSpan.FromMinutes(5) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Token);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => ReadAsync(SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct), ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct) =>
        ReadAsync(SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : body as HttpContent ?? JsonContent.Create(body) }, ct), ct);

    /// <summary>A download: the response, whose body the caller streams to a file.</summary>
    public Task<HttpResponseMessage> DownloadAsync(string path, CancellationToken ct) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach {_http.BaseAddress}: {ex.Message}");
        }
        if (response.IsSuccessStatusCode) return response;
        string body = await response.Content.ReadAsStringAsync(ct);
        response.Dispose();
        throw new CliException(response.StatusCode == System.Net.HttpStatusCode.Unauthorized ? ExitCodes.NotLoggedIn : ExitCodes.Refused,
            $"{(int)response.StatusCode} {Problem(body) ?? response.ReasonPhrase}");
    }

    private static async Task<JsonElement> ReadAsync(Task<HttpResponseMessage> sending, CancellationToken ct)
    {
        using var response = await sending;
        string body = await response.Content.ReadAsStringAsync(ct);
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A ProblemDetails body in one line: each field's messages, else the detail or the title.</summary>
    private static string? Problem(string body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                return string.Join("; ", errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(", ", e.Value.EnumerateArray().Select(m => m.GetString()))}"));
            return problem.TryGetProperty("detail", out var detail) ? detail.GetString()
                : problem.TryGetProperty("title", out var title) ? title.GetString() : null;
        }
        catch (JsonException)
        {
            return body.Length > 0 ? body : null;
        }
    }

    public void Dispose() => _http.Dispose();
}
