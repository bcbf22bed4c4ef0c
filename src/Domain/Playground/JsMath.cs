using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dojo.Domain.Playground;

/// <summary>
/// JavaScript's Math as the playground's page computes it in Chrome and node (V8 11, fdlibm's algorithms, which V8
/// ships as src/base/ieee754.cc): <c>exp</c>, <c>expm1</c>, <c>tanh</c>, <c>log</c>, <c>sin</c>, <c>cos</c>. .NET's
/// Math calls the C library, whose results differ from V8's in the last bit for about one argument in ten (exp) to one
/// in a thousand (tanh) — enough for a 500-epoch run to end on other numbers than the page. These follow fdlibm
/// operation for operation, so the results are V8's bit for bit (checked against node on millions of arguments:
/// tests/Dojo.Domain.Tests/JsMathTests.cs). <c>sqrt</c> and <c>x*x</c> are exact in both and need nothing here.
/// </summary>
public static class JsMath
{
    private static int High(double x) => (int)(BitConverter.DoubleToInt64Bits(x) >> 32);
    private static uint Low(double x) => (uint)BitConverter.DoubleToInt64Bits(x);
    private static double FromWords(int high, uint low) => BitConverter.Int64BitsToDouble(((long)high << 32) | low);
    private static double WithHigh(double x, int high) => FromWords(high, Low(x));
    private static double WithLow(double x, uint low) => FromWords(High(x), low);

    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10, InvLn2 = 1.44269504088896338700e+00;

    /// <summary>e^x, fdlibm e_exp.c (with V8's exact e for x = 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Exp(double x)
    {
        const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
            P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08, E = 2.718281828459045,
            OThreshold = 7.09782712893383973096e+02, UThreshold = -7.45133219101941108420e+02, Huge = 1.0e+300,
            TwoM1000 = 9.33263618503218878990e-302, Two1023 = 8.988465674311579539e307;
        double hi = 0, lo = 0;
        int k = 0;
        int hx = High(x);
        int xsb = (hx >> 31) & 1;
        hx &= 0x7FFFFFFF;
        if (hx >= 0x40862E42)
        {
            if (hx >= 0x7FF00000) return ((hx & 0xFFFFF) | (int)Low(x)) != 0 ? x + x : xsb == 0 ? x : 0.0;
            if (x > OThreshold) return Huge * Huge;
            if (x < UThreshold) return TwoM1000 * TwoM1000;
        }
        if (hx > 0x3FD62E42)
        {
            if (hx < 0x3FF0A2B2)
            {
                if (x == 1.0) return E;
                hi = x - (xsb == 0 ? Ln2Hi : -Ln2Hi);
                lo = xsb == 0 ? Ln2Lo : -Ln2Lo;
                k = 1 - xsb - xsb;
            }
            else
            {
                k = (int)(InvLn2 * x + (xsb == 0 ? 0.5 : -0.5));
                double t = k;
                hi = x - t * Ln2Hi;
                lo = t * Ln2Lo;
            }
            x = hi - lo;
        }
        else if (hx < 0x3E300000)
        {
            if (Huge + x > 1.0) return 1.0 + x;
        }
        else k = 0;

        double tt = x * x;
        double twopk = k >= -1021 ? FromWords(0x3FF00000 + (k << 20), 0) : FromWords(0x3FF00000 + ((k + 1000) << 20), 0);
        double c = x - tt * (P1 + tt * (P2 + tt * (P3 + tt * (P4 + tt * P5))));
        if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
        double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
        if (k >= -1021) return k == 1024 ? y * 2.0 * Two1023 : y * twopk;
        return y * twopk * TwoM1000;
    }

    /// <summary>e^x − 1, fdlibm s_expm1.c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Expm1(double x)
    {
        const double Tiny = 1.0e-300, OThreshold = 7.09782712893383973096e+02, Huge = 1.0e+300,
            Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03, Q3 = -7.93650757867487942473e-05,
            Q4 = 4.00821782732936239552e-06, Q5 = -2.01099218183624371326e-07;
        double hi, lo, c = 0, t;
        int k;
        int hx = High(x);
        bool negative = hx < 0;
        hx &= 0x7FFFFFFF;
        if (hx >= 0x4043687A)
        {
            if (hx >= 0x40862E42)
            {
                if (hx >= 0x7FF00000) return ((hx & 0xFFFFF) | (int)Low(x)) != 0 ? x + x : !negative ? x : -1.0;
                if (x > OThreshold) return Huge * Huge;
            }
            if (negative && x + Tiny < 0.0) return Tiny - 1.0;
        }
        if (hx > 0x3FD62E42)
        {
            if (hx < 0x3FF0A2B2)
            {
                if (!negative) { hi = x - Ln2Hi; lo = Ln2Lo; k = 1; }
                else { hi = x + Ln2Hi; lo = -Ln2Lo; k = -1; }
            }
            else
            {
                k = (int)(InvLn2 * x + (!negative ? 0.5 : -0.5));
                t = k;
                hi = x - t * Ln2Hi;
                lo = t * Ln2Lo;
            }
            x = hi - lo;
            c = (hi - x) - lo;
        }
        else if (hx < 0x3C900000)
        {
            t = Huge + x;
            return x - (t - (Huge + x));
        }
        else k = 0;

        double hfx = 0.5 * x, hxs = x * hfx;
        double r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
        t = 3.0 - r1 * hfx;
        double e = hxs * ((r1 - t) / (6.0 - x * t));
        if (k == 0) return x - (x * e - hxs);
        double twopk = FromWords(0x3FF00000 + (k << 20), 0);
        e = (x * (e - c) - c);
        e -= hxs;
        if (k == -1) return 0.5 * (x - e) - 0.5;
        if (k == 1) return x < -0.25 ? -2.0 * (e - (x + 0.5)) : 1.0 + 2.0 * (x - e);
        double y;
        if (k <= -2 || k > 56)
        {
            y = 1.0 - (e - x);
            y = k == 1024 ? y * 2.0 * 8.98846567431158e+307 : y * twopk;
            return y - 1.0;
        }
        if (k < 20)
        {
            t = FromWords(0x3FF00000 - (0x200000 >> k), 0); // 1 − 2^−k
            y = t - (e - x);
            return y * twopk;
        }
        t = FromWords((0x3FF - k) << 20, 0); // 2^−k
        y = x - (e + t);
        y += 1.0;
        return y * twopk;
    }

    /// <summary>tanh x, fdlibm s_tanh.c (through <see cref="Expm1"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Tanh(double x)
    {
        const double Tiny = 1.0e-300, Huge = 1.0e300;
        int jx = High(x), ix = jx & 0x7FFFFFFF;
        if (ix >= 0x7FF00000) return jx >= 0 ? 1.0 / x + 1.0 : 1.0 / x - 1.0;
        double z;
        if (ix < 0x40360000)
        {
            if (ix < 0x3E300000 && Huge + x > 1.0) return x;
            if (ix >= 0x3FF00000)
            {
                double t = Expm1(2.0 * Math.Abs(x));
                z = 1.0 - 2.0 / (t + 2.0);
            }
            else
            {
                double t = Expm1(-2.0 * Math.Abs(x));
                z = -t / (t + 2.0);
            }
        }
        else z = 1.0 - Tiny;
        return jx >= 0 ? z : -z;
    }

    /// <summary>
    /// tanh of four numbers at once, each the same bits as <see cref="Tanh(double)"/>: s_tanh.c and s_expm1.c written
    /// for the arguments the page's networks meet (2⁻²⁸ ≤ |x| &lt; 22), every branch computed and the right one picked
    /// per lane. Only IEEE additions, multiplications and divisions, in fdlibm's order and never fused, so each lane
    /// rounds exactly as the scalar code does; a vector with any other argument (tiny, huge, NaN) goes lane by lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<double> Tanh(Vector256<double> x)
    {
        var a = Vector256.Abs(x);
        if (!Vector256.IsHardwareAccelerated
            || !Vector256.LessThanAll(a, Vector256.Create(22.0)) || !Vector256.GreaterThanOrEqualAll(a, Vector256.Create(3.725290298461914e-9)))
            return Vector256.Create(Tanh(x[0]), Tanh(x[1]), Tanh(x[2]), Tanh(x[3]));
        var big = Vector256.GreaterThanOrEqual(a, Vector256<double>.One); // |x| ≥ 1: expm1(2|x|), else expm1(−2|x|)
        var u = Vector256.ConditionalSelect(big, a + a, -(a + a));
        var t = Expm1Reduced(u);
        var two = Vector256.Create(2.0);
        var q = Vector256.ConditionalSelect(big, two, -t) / (t + two); // one division for both cases: 2/(t+2), or −t/(t+2)
        var z = Vector256.ConditionalSelect(big, Vector256<double>.One - q, q);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), -z, z);
    }

    /// <summary>
    /// s_expm1.c for what tanh asks of it, −2 &lt; u ≤ −2⁻²⁷ or 2 ≤ u &lt; 44, lane by lane as <see cref="Expm1"/> computes
    /// it. There k, the power of 2 split off, is never 1 (that needs 0.35 &lt; u &lt; 1.04), so that branch is left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> Expm1Reduced(Vector256<double> u)
    {
        const double Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03, Q3 = -7.93650757867487942473e-05,
            Q4 = 4.00821782732936239552e-06, Q5 = -2.01099218183624371326e-07, RoundingBias = 6755399441055744.0; // 1.5·2⁵²
        var one = Vector256<double>.One;
        var half = Vector256.Create(0.5);
        var negative = Vector256.LessThan(u, Vector256<double>.Zero);
        var au = Vector256.Abs(u);
        // k: 0 while the high word is at most 0x3FD62E42 (no reduction), ±1 below 0x3FF0A2B2, else (int)(u/ln2 ± ½). With k
        // as a double, hi = u − k·ln2hi and lo = k·ln2lo are the scalar code's numbers in every case (k = 0 gives u and 0).
        var general = Vector256.Truncate(Vector256.Create(InvLn2) * u + Vector256.ConditionalSelect(negative, -half, half));
        var k = Vector256.ConditionalSelect(Vector256.LessThan(au, Vector256.Create(0.3465735912322998)), Vector256<double>.Zero,
            Vector256.ConditionalSelect(Vector256.LessThan(au, Vector256.Create(1.0397205352783203)), Vector256.ConditionalSelect(negative, -one, one), general));
        var hi = u - k * Vector256.Create(Ln2Hi);
        var lo = k * Vector256.Create(Ln2Lo);
        var x = hi - lo;
        var c = (hi - x) - lo;

        var hfx = half * x;
        var hxs = x * hfx;
        var r1 = one + hxs * (Vector256.Create(Q1) + hxs * (Vector256.Create(Q2) + hxs * (Vector256.Create(Q3) + hxs * (Vector256.Create(Q4) + hxs * Vector256.Create(Q5)))));
        var t = Vector256.Create(3.0) - r1 * hfx;
        var e = hxs * ((r1 - t) / (Vector256.Create(6.0) - x * t));
        var k0 = x - (x * e - hxs);

        var ik = (k + Vector256.Create(RoundingBias)).AsInt64() - Vector256.Create(RoundingBias).AsInt64();
        var twopk = ((ik + Vector256.Create(0x3FFL)) << 52).AsDouble();
        var twomk = ((Vector256.Create(0x3FFL) - ik) << 52).AsDouble();
        e = (x * (e - c) - c) - hxs;
        var kMinus1 = half * (x - e) - half;
        var kFar = (one - (e - x)) * twopk - one;            // k ≤ −2 or k > 56
        var kSmall = ((one - twomk) - (e - x)) * twopk;      // 2 ≤ k < 20: 1 − 2⁻ᵏ is exact
        var kLarge = ((x - (e + twomk)) + one) * twopk;      // 20 ≤ k ≤ 56
        var result = Vector256.ConditionalSelect(Vector256.LessThan(k, Vector256.Create(20.0)), kSmall, kLarge);
        result = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(k, Vector256.Create(-2.0)) | Vector256.GreaterThan(k, Vector256.Create(56.0)), kFar, result);
        result = Vector256.ConditionalSelect(Vector256.Equals(k, -one), kMinus1, result);
        return Vector256.ConditionalSelect(Vector256.Equals(k, Vector256<double>.Zero), k0, result);
    }

    /// <summary>The natural logarithm, fdlibm e_log.c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Log(double x)
    {
        const double Two54 = 1.80143985094819840000e+16, Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
            Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01,
            Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
        int hx = High(x);
        uint lx = Low(x);
        int k = 0;
        if (hx < 0x00100000)
        {
            if (((hx & 0x7FFFFFFF) | (int)lx) == 0) return double.NegativeInfinity;
            if (hx < 0) return double.NaN;
            k -= 54;
            x *= Two54;
            hx = High(x);
        }
        if (hx >= 0x7FF00000) return x + x;
        k += (hx >> 20) - 1023;
        hx &= 0x000FFFFF;
        int i = (hx + 0x95F64) & 0x100000;
        x = WithHigh(x, hx | (i ^ 0x3FF00000));
        k += i >> 20;
        double f = x - 1.0, dk, r;
        if ((0x000FFFFF & (2 + hx)) < 3)
        {
            if (f == 0.0)
            {
                if (k == 0) return 0.0;
                dk = k;
                return dk * Ln2Hi + dk * Ln2Lo;
            }
            r = f * f * (0.5 - 0.33333333333333333 * f);
            if (k == 0) return f - r;
            dk = k;
            return dk * Ln2Hi - ((r - dk * Ln2Lo) - f);
        }
        double s = f / (2.0 + f);
        dk = k;
        double z = s * s;
        i = hx - 0x6147A;
        double w = z * z;
        int j = 0x6B851 - hx;
        double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
        double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
        i |= j;
        r = t2 + t1;
        if (i > 0)
        {
            double hfsq = 0.5 * f * f;
            return k == 0 ? f - (hfsq - s * (hfsq + r)) : dk * Ln2Hi - ((hfsq - (s * (hfsq + r) + dk * Ln2Lo)) - f);
        }
        return k == 0 ? f - s * (f - r) : dk * Ln2Hi - ((s * (f - r) - dk * Ln2Lo) - f);
    }

    /// <summary>sin x, fdlibm s_sin.c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sin(double x)
    {
        int ix = High(x) & 0x7FFFFFFF;
        if (ix <= 0x3FE921FB) return KernelSin(x, 0.0, false);
        if (ix >= 0x7FF00000) return x - x;
        int n = RemPio2(x, out double y0, out double y1);
        return (n & 3) switch
        {
            0 => KernelSin(y0, y1, true),
            1 => KernelCos(y0, y1),
            2 => -KernelSin(y0, y1, true),
            _ => -KernelCos(y0, y1),
        };
    }

    /// <summary>cos x, fdlibm s_cos.c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Cos(double x)
    {
        int ix = High(x) & 0x7FFFFFFF;
        if (ix <= 0x3FE921FB) return KernelCos(x, 0.0);
        if (ix >= 0x7FF00000) return x - x;
        int n = RemPio2(x, out double y0, out double y1);
        return (n & 3) switch
        {
            0 => KernelCos(y0, y1),
            1 => -KernelSin(y0, y1, true),
            2 => -KernelCos(y0, y1),
            _ => KernelSin(y0, y1, true),
        };
    }

    private static double KernelSin(double x, double y, bool tail)
    {
        const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
            S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
        int ix = High(x) & 0x7FFFFFFF;
        if (ix < 0x3E400000 && (int)x == 0) return x;
        double z = x * x, v = z * x;
        double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
        return !tail ? x + v * (S1 + z * r) : x - ((z * (0.5 * y - v * r) - y) - v * S1);
    }

    private static double KernelCos(double x, double y)
    {
        const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
            C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
        int ix = High(x) & 0x7FFFFFFF;
        if (ix < 0x3E400000 && (int)x == 0) return 1.0;
        double z = x * x;
        double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
        if (ix < 0x3FD33333) return 1.0 - (0.5 * z - (z * r - x * y));
        double qx = ix > 0x3FE90000 ? 0.28125 : FromWords(ix - 0x00200000, 0);
        double iz = 0.5 * z - qx, a = 1.0 - qx;
        return a - (iz - (z * r - x * y));
    }

    private static readonly int[] NPio2Hw =
    [
        0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C, 0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A,
        0x4031475C, 0x4032D97C, 0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A, 0x403DD85A, 0x403F6A7A,
        0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C, 0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
        0x404858EB, 0x404921FB,
    ];

    /// <summary>
    /// x − n·π/2 as y0 + y1, and n: fdlibm e_rem_pio2.c for |x| up to 2^19·π/2. The playground's arguments (angles,
    /// coordinates) stay far below that; beyond it this falls back to .NET's reduction, which may differ in the last bit.
    /// </summary>
    private static int RemPio2(double x, out double y0, out double y1)
    {
        const double InvPio2 = 6.36619772367581382433e-01, Pio2_1 = 1.57079632673412561417e+00, Pio2_1t = 6.07710050650619224932e-11,
            Pio2_2 = 6.07710050630396597660e-11, Pio2_2t = 2.02226624879595063154e-21, Pio2_3 = 2.02226624871116645580e-21,
            Pio2_3t = 8.47842766036889956997e-32;
        int hx = High(x), ix = hx & 0x7FFFFFFF;
        double z;
        if (ix < 0x4002D97C)
        {
            if (hx > 0)
            {
                z = x - Pio2_1;
                if (ix != 0x3FF921FB) { y0 = z - Pio2_1t; y1 = (z - y0) - Pio2_1t; }
                else { z -= Pio2_2; y0 = z - Pio2_2t; y1 = (z - y0) - Pio2_2t; }
                return 1;
            }
            z = x + Pio2_1;
            if (ix != 0x3FF921FB) { y0 = z + Pio2_1t; y1 = (z - y0) + Pio2_1t; }
            else { z += Pio2_2; y0 = z + Pio2_2t; y1 = (z - y0) + Pio2_2t; }
            return -1;
        }
        if (ix <= 0x413921FB)
        {
            double t = Math.Abs(x);
            int n = (int)(t * InvPio2 + 0.5);
            double fn = n;
            double r = t - fn * Pio2_1;
            double w = fn * Pio2_1t;
            if (n < 32 && ix != NPio2Hw[n - 1]) y0 = r - w;
            else
            {
                int j = ix >> 20;
                y0 = r - w;
                int i = j - ((High(y0) >> 20) & 0x7FF);
                if (i > 16)
                {
                    t = r;
                    w = fn * Pio2_2;
                    r = t - w;
                    w = fn * Pio2_2t - ((t - r) - w);
                    y0 = r - w;
                    i = j - ((High(y0) >> 20) & 0x7FF);
                    if (i > 49)
                    {
                        t = r;
                        w = fn * Pio2_3;
                        r = t - w;
                        w = fn * Pio2_3t - ((t - r) - w);
                        y0 = r - w;
                    }
                }
            }
            y1 = (r - y0) - w;
            if (hx < 0) { y0 = -y0; y1 = -y1; return -n; }
            return n;
        }
        // Large arguments: the nearest multiple of π/2 by .NET's remainder (last-bit agreement not guaranteed here).
        double quarterTurns = Math.Round(x / (Math.PI / 2));
        y0 = Math.IEEERemainder(x, Math.PI / 2);
        y1 = 0;
        return (int)(long)(quarterTurns % 4);
    }
}
