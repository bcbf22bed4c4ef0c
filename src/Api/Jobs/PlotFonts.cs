using System.Collections.Concurrent;
using SkiaSharp;

namespace Dojo.Api.Jobs;

/// <summary>
/// Plots whose text has characters the default font lacks (a job named 深層学習) are drawn in an installed family that has
/// them, not in empty boxes. ScottPlot's own detection (<c>Font.Automatic</c>) asks Skia to match a character, which finds
/// nothing with the Linux SkiaSharp build here; so this looks through the installed families itself (once per text's characters).
/// </summary>
public static class PlotFonts
{
    private static readonly ConcurrentDictionary<string, string?> Chosen = new();

    /// <summary>Sets every font of <paramref name="plot"/> to a family that has all of <paramref name="texts"/>' characters, if its own lacks some.</summary>
    public static void Fit(ScottPlot.Plot plot, IEnumerable<string?> texts)
    {
        string characters = new(string.Concat(texts).Where(c => !char.IsWhiteSpace(c)).Distinct().Order().ToArray());
        if (Missing(plot.Axes.Title.Label.FontName, characters) == 0) return;
        if (Chosen.GetOrAdd(characters, Best) is { } family) plot.Font.Set(family);
    }

    /// <summary>The installed family that lacks the fewest of the characters (sans-serif and gothic faces first), or none that helps.</summary>
    private static string? Best(string characters) => SKFontManager.Default.FontFamilies
        .Select(family => (Family: family, Missing: Missing(family, characters)))
        .OrderBy(f => f.Missing).ThenBy(f => f.Family.Contains("Gothic") || f.Family.Contains("Sans") ? 0 : 1)
        .Where(f => f.Missing < characters.Length).Select(f => f.Family).FirstOrDefault();

    private static int Missing(string family, string characters)
    {
        using var typeface = SKTypeface.FromFamilyName(family);
        if (typeface is null || !string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase)) return characters.Length;
        return typeface.GetGlyphs(characters).Count(glyph => glyph == 0);
    }
}
