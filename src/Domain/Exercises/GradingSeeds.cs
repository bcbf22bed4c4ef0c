using System.Globalization;
using Dojo.Domain.Datasets;

namespace Dojo.Domain.Exercises;

/// <summary>
/// The seed texts of a grading's runs. Run 1 uses the URL's own seed; run k draws a seed as the page's "regenerate"
/// button does — a number in [0, 1) written with five decimals (<c>Math.random().toFixed(5)</c>) — from seedrandom
/// seeded with "<c>{URL seed}/{k}</c>", so the same URL always gets the same seeds, and each is one the page accepts.
/// </summary>
public static class GradingSeeds
{
    public static string Text(string urlSeed, int run) => run == 1 ? urlSeed
        : new SeedRandom($"{urlSeed}/{run}").NextDouble().ToString("F5", CultureInfo.InvariantCulture);
}
