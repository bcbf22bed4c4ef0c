namespace Dojo.Domain.Specs;

/// <summary>Problems keyed by JSON path, in the shape of ASP.NET's ValidationProblemDetails.errors.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public int Count => _errors.Count;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list)) _errors[path] = list = [];
        list.Add(message);
    }

    public void AddAll(IReadOnlyDictionary<string, string[]> problems, string prefix = "")
    {
        foreach (var (path, messages) in problems)
            foreach (var message in messages) Add(prefix + path, message);
    }

    public void Positive(double value, string path)
    {
        if (!(value > 0) || !double.IsFinite(value)) Add(path, $"must be a positive number (got {value})");
    }

    public void NonNegative(double value, string path)
    {
        if (!(value >= 0) || !double.IsFinite(value)) Add(path, $"must be zero or positive (got {value})");
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
