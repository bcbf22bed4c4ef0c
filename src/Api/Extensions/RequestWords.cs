using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dojo.Domain.Specs;

namespace Dojo.Api.Extensions;

/// <summary>
/// What the framework says about a request it could not read, said in the request's own words: the field as a JSON
/// path or a query parameter, the value it needs ("a whole number", "one of: …", the fields an object takes) —
/// never a .NET type, member or parameter declaration, which mean nothing to a student writing JSON.
/// </summary>
public static partial class RequestWords
{
    /// <summary>A JSON body that did not bind: the field's path and what is wrong with it.</summary>
    public static (string Field, string Message) Json(JsonException json)
    {
        string field = BadRequestHandler.FieldOf(SpecJson.PathOf(json));
        string message = SpecJson.WithoutPath(json.Message);
        if (NotConverted().Match(message) is { Success: true } converted)
            return (field, $"must be {Describe(MemberType(TypeNamed(converted.Groups[1].Value), field))}");
        if (NotMapped().Match(message) is { Success: true } unmapped)
        {
            string name = unmapped.Groups[1].Value;
            var fields = TypeNamed(unmapped.Groups[2].Value) is { } type ? FieldsOf(type) : [];
            string at = At(field, name);
            return (at,
                fields.Count > 0 ? $"is not a field here; the fields are: {string.Join(", ", fields)}" : "is not a field here");
        }
        if (NullNotAllowed().Match(message) is { Success: true } isNull)
        {
            string name = isNull.Groups[1].Value;
            string at = At(field, name);
            var type = TypeNamed(isNull.Groups[2].Value) is { } holder ? MemberType(holder, name) : null;
            return (at, type is null ? "must not be null" : $"must be {Describe(type)}, not null");
        }
        if (MissingRequired().Match(message) is { Success: true } missing)
            return (At(field, missing.Groups[1].Value), "is required");
        if (IsSyntax(json) && json.LineNumber is { } line && json.BytePositionInLine is { } position)
            return (field, $"is not valid JSON (line {line + 1}, position {position + 1}): " +
                ReaderDetail().Replace(message, "").Replace(" which is not supported in this mode. Change the reader options.", "."));
        return (field, message); // Dojo's own converters already speak the request's words
    }

    /// <summary>The member's path: the framework's path ends with it, or stops at the object that holds it.</summary>
    private static string At(string field, string name) =>
        field == "body" ? name : field == name || field.EndsWith("." + name, StringComparison.Ordinal) ? field : $"{field}.{name}";

    /// <summary>The reader's own complaint about the text (an unclosed object, a stray comma), not about a value.</summary>
    private static bool IsSyntax(JsonException json) =>
        json.GetType().Name == "JsonReaderException" || json.InnerException?.GetType().Name == "JsonReaderException";

    /// <summary>A request the framework refused before any JSON (no body, a query value of the wrong type).</summary>
    public static (string Field, string Message) Request(BadHttpRequestException bad)
    {
        string message = bad.Message;
        if (message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || NoBody().IsMatch(message))
            return ("body", "a JSON body is required");
        if (NotBound().Match(message) is { Success: true } bound)
            return (bound.Groups[2].Value, $"'{bound.Groups[3].Value}' is not {Describe(bound.Groups[1].Value)}");
        if (NotProvided().Match(message) is { Success: true } required)
            return (required.Groups[1].Value, "is required");
        return ("body", message);
    }

    /// <summary>The value a field of this type takes, as a student would put it in JSON.</summary>
    public static string Describe(Type? type)
    {
        if (type is null) return "another kind of value";
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return "one of: " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => EnumName(type, v)).Distinct());
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String or TypeCode.Char => "a string (in quotes)",
            TypeCode.DateTime => "a date and time (ISO 8601, such as 2026-12-01T09:00:00Z)",
            _ when type == typeof(Guid) => "an id (such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
            _ when type == typeof(DateTimeOffset) => "a date and time (ISO 8601, such as 2026-12-01T09:00:00+09:00)",
            _ when typeof(IEnumerable).IsAssignableFrom(type) => "a list ([...])",
            _ => "an object ({...})",
        };
    }

    /// <summary>A route or query parameter's declared type, as the framework names it ("int", "double", "Guid").</summary>
    private static string Describe(string declared) =>
        Declared.TryGetValue(declared.TrimEnd('?'), out var type) ? Describe(type) : "a valid value here";

    private static readonly Dictionary<string, Type> Declared = new()
    {
        ["int"] = typeof(int), ["long"] = typeof(long), ["short"] = typeof(short), ["double"] = typeof(double), ["float"] = typeof(float),
        ["decimal"] = typeof(decimal), ["bool"] = typeof(bool), ["Guid"] = typeof(Guid), ["DateTime"] = typeof(DateTime), ["DateTimeOffset"] = typeof(DateTimeOffset),
    };

    /// <summary>The field's own type when the framework names the object that holds it (a polymorphic layer, say).</summary>
    private static Type? MemberType(Type? named, string field)
    {
        if (named is null) return null;
        string last = field.Split('.')[^1];
        if (last.EndsWith(']') || last == "body") return named;
        var info = SpecJson.Options.GetTypeInfo(Nullable.GetUnderlyingType(named) ?? named);
        return info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
            ? info.Properties.FirstOrDefault(p => p.Name == last)?.PropertyType ?? named
            : named;
    }

    private static IReadOnlyList<string> FieldsOf(Type type)
    {
        var info = SpecJson.Options.GetTypeInfo(type);
        return info.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object ? [.. info.Properties.Select(p => p.Name)] : [];
    }

    private static Type? TypeNamed(string name) =>
        Type.GetType(name) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null);

    private static string EnumName(Type type, object value) =>
        (string)typeof(SpecJson).GetMethod(nameof(SpecJson.Name))!.MakeGenericMethod(type).Invoke(null, [value])!;

    [GeneratedRegex(@"^The JSON value could not be converted to (.+?)\.?$")]
    private static partial Regex NotConverted();

    [GeneratedRegex(@"^The JSON property '(.*)' could not be mapped to any \.NET member contained in type '(.+)'\.?$")]
    private static partial Regex NotMapped();

    [GeneratedRegex(@"^The (?:property or field|constructor parameter) '(\w+)' on type '(.+?)' doesn't allow (?:setting )?null values")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex(@"^JSON deserialization for type '.+' was missing required properties,? including:? '([^']+)'")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"\s*(Path: \$.*)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?$")]
    private static partial Regex ReaderDetail();

    [GeneratedRegex(@"^Required parameter "".+"" was not provided from body\.?$")]
    private static partial Regex NoBody();

    [GeneratedRegex(@"^Failed to bind parameter ""([\w.?<>]+) (\w+)"" from ""(.*)""\.?$")]
    private static partial Regex NotBound();

    [GeneratedRegex(@"^Required parameter ""[\w.?<>]+ (\w+)"" was not provided")]
    private static partial Regex NotProvided();
}
