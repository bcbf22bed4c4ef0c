using System.Text;
using System.Text.RegularExpressions;

namespace Dojo.Domain.Exercises;

/// <summary>
/// The name a submitted file is downloaded and exported under, from the exercise's template
/// (default <c>{unit}{exerciseNo}_{studentName}.{ext}</c>, e.g. <c>深層学習②_山田太郎.pdf</c>).
/// Exercise numbers are written as circled numbers (①–⑳) as the course does. The result is a file
/// name only — separators and control characters become "_" — and never becomes a storage path
/// (files are stored by their SHA-256).
/// </summary>
public static partial class SubmissionName
{
    public const string DefaultTemplate = "{unit}{exerciseNo}_{studentName}.{ext}";

    public static string Render(string template, string course, string unit, int exerciseNo, string studentName, string extension)
    {
        string rendered = Placeholder().Replace(template, match => match.Groups[1].Value switch
        {
            "course" => course,
            "unit" => unit,
            "exerciseNo" => Circled(exerciseNo),
            "studentName" => studentName,
            "ext" => extension,
            _ => match.Value,
        });
        var safe = new StringBuilder(rendered.Length);
        foreach (char c in rendered.Normalize(NormalizationForm.FormC))
            safe.Append(char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
        string name = safe.ToString().Trim().TrimStart('.');
        return name.Length == 0 ? "_" : name;
    }

    /// <summary>1 → ①, …, 20 → ⑳; other numbers as digits.</summary>
    public static string Circled(int number) => number is >= 1 and <= 20 ? ((char)('①' + number - 1)).ToString() : number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
