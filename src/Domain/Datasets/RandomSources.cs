namespace Dojo.Domain.Datasets;

/// <summary>A stream of doubles in [0, 1), consumed in order (the playground's <c>Math.random</c>).</summary>
public interface IRandomSource
{
    double NextDouble();
}

/// <summary>.NET's seeded generator: Dojo's own stream for a numeric seed.</summary>
public sealed class SystemRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);
    public double NextDouble() => _random.NextDouble();
}

/// <summary>
/// seedrandom 2.4.4's ARC4 generator (what TensorFlow Playground installs with <c>Math.seedrandom(seed)</c>):
/// the seed text is mixed into a key, ARC4 is keyed with it and its first 256 outputs are dropped, and
/// each double takes at least six outputs so that all 52 mantissa bits are random. For a seed string
/// it returns the same numbers as the JavaScript library, so a playground URL's seed gives the page's data.
/// </summary>
public sealed class SeedRandom : IRandomSource
{
    private const int Width = 256;
    private const int Chunks = 6;
    private const int Mask = Width - 1;
    private static readonly double StartDenominator = Math.Pow(Width, Chunks);
    private static readonly double Significance = Math.Pow(2, 52);
    private static readonly double Overflow = Significance * 2;

    private readonly int[] _s = new int[Width];
    private int _i;
    private int _j;

    public SeedRandom(string seed)
    {
        var key = MixKey(seed);
        if (key.Count == 0) key.Add(0);
        for (int n = 0; n < Width; n++) _s[n] = n;
        for (int n = 0, j = 0; n < Width; n++)
        {
            int t = _s[n];
            j = Mask & (j + key[n % key.Count] + t);
            _s[n] = _s[j];
            _s[j] = t;
        }
        Next(Width); // RC4-drop[256]
    }

    public double NextDouble()
    {
        double n = Next(Chunks), d = StartDenominator, x = 0;
        while (n < Significance)
        {
            n = (n + x) * Width;
            d *= Width;
            x = Next(1);
        }
        while (n >= Overflow)
        {
            n /= 2;
            d /= 2;
            x = (int)x >> 1;
        }
        return (n + x) / d;
    }

    /// <summary>The next <paramref name="count"/> ARC4 outputs as one base-256 number.</summary>
    private double Next(int count)
    {
        double r = 0;
        int i = _i, j = _j;
        while (count-- > 0)
        {
            i = Mask & (i + 1);
            int t = _s[i];
            j = Mask & (j + t);
            _s[i] = _s[j];
            _s[j] = t;
            r = r * Width + _s[Mask & (_s[i] + t)];
        }
        (_i, _j) = (i, j);
        return r;
    }

    /// <summary>seedrandom's mixkey: folds the seed's UTF-16 code units into at most 256 key bytes.</summary>
    private static List<int> MixKey(string seed)
    {
        var key = new List<int>();
        int smear = 0;
        for (int j = 0; j < seed.Length; j++)
        {
            int index = Mask & j;
            int existing = index < key.Count ? key[index] : 0; // JavaScript: undefined * 19 is NaN, and NaN ^ x is x
            smear ^= existing * 19;
            int value = Mask & (smear + seed[j]);
            if (index < key.Count) key[index] = value;
            else key.Add(value);
        }
        return key;
    }
}
