using System.Diagnostics;
using System.Globalization;
using Dojo.Domain.Playground;

namespace Dojo.Domain.Tests;

/// <summary>
/// <see cref="JsMath"/> against JavaScript itself: node (V8, the engine Chrome runs the playground page in) computes
/// each function on 60,000 arguments over the ranges the page uses (and beyond), and every result must be the same
/// bits. .NET's own Math, for contrast, differs on thousands of them. Needs node on the PATH (.ci/run installs it).
/// </summary>
public sealed class JsMathTests
{
    private const string Script = """
        let s = 12345; const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
        const bits = v => { const b = Buffer.alloc(8); b.writeDoubleLE(v); return b.readBigInt64LE().toString(); };
        const out = [];
        for (let i = 0; i < 60000; i++) {
          const x = (rnd() * 2 - 1) * [3, 20, 0.5, 800][i % 4];
          out.push([x, Math.tanh(x), Math.exp(-x), Math.sin(x), Math.cos(x), Math.log(Math.abs(x) * 7.3 + 1e-9), Math.expm1(x / 10)].map(bits).join(' '));
        }
        console.log(out.join('\n'));
        """;

    [Fact]
    public void Every_function_gives_v8s_bits()
    {
        var node = Process.Start(new ProcessStartInfo("node", ["-e", Script]) { RedirectStandardOutput = true })!;
        string text = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        Assert.Equal(0, node.ExitCode);

        string[] names = ["tanh", "exp", "sin", "cos", "log", "expm1"];
        var differ = new int[names.Length];
        var dotnet = new int[names.Length];
        int count = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var v = line.Split(' ').Select(b => BitConverter.Int64BitsToDouble(long.Parse(b, CultureInfo.InvariantCulture))).ToArray();
            double x = v[0], logArgument = Math.Abs(x) * 7.3 + 1e-9;
            double[] ours = [JsMath.Tanh(x), JsMath.Exp(-x), JsMath.Sin(x), JsMath.Cos(x), JsMath.Log(logArgument), JsMath.Expm1(x / 10)];
            double[] system = [Math.Tanh(x), Math.Exp(-x), Math.Sin(x), Math.Cos(x), Math.Log(logArgument), double.NaN];
            for (int f = 0; f < names.Length; f++)
            {
                if (BitConverter.DoubleToInt64Bits(ours[f]) != BitConverter.DoubleToInt64Bits(v[f + 1])) differ[f]++;
                if (BitConverter.DoubleToInt64Bits(system[f]) != BitConverter.DoubleToInt64Bits(v[f + 1])) dotnet[f]++;
            }
            count++;
        }

        Assert.Equal(60000, count);
        Assert.True(differ.All(d => d == 0), "JsMath differs from V8: " + string.Join(", ", names.Select((n, f) => $"{n} {differ[f]}")));
        Assert.True(dotnet[1] > 0 && dotnet[2] > 0, "the check should be able to fail: .NET's Math differs from V8 on some arguments");
    }

    /// <summary>
    /// The four-lane tanh the page run's figures use, against the scalar one (itself checked against V8 above): the same
    /// bits for millions of arguments over every branch of expm1 it takes — around the thresholds ½ln2, 1.0397 and 1,
    /// across 20 < k ≤ 56 and beyond, near 22 — and for lanes it must hand to the scalar code (tiny, huge, NaN, ±∞).
    /// </summary>
    [Fact]
    public void The_vector_tanh_gives_the_scalar_bits_lane_by_lane()
    {
        var random = new Random(7);
        double[] edges = [3.725290298461914e-9, 0.1732867956161499, 0.17328679513998632, 0.51986026763916015, 0.5198603854199589, 1, 1 - 1e-16, 1 + 2e-16, 10, 19.58, 19.6, 22, 21.999999999999996];
        var arguments = new List<double>();
        foreach (double edge in edges)
            for (int ulp = -40; ulp <= 40; ulp++)
                arguments.Add(BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(edge) + ulp));
        for (int i = 0; i < 2_000_000; i++)
            arguments.Add((random.NextDouble() * 2 - 1) * (i % 4) switch { 0 => 1.2, 1 => 5, 2 => 23, _ => Math.Pow(2, -30 * random.NextDouble()) });
        arguments.AddRange([0, -0.0, 1e-300, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 700, -1e-30]);
        arguments.AddRange(arguments.Take(1000).Select(a => -a).ToList());

        int differ = 0;
        for (int i = 0; i + 4 <= arguments.Count; i += 4)
        {
            var lanes = JsMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(arguments[i], arguments[i + 1], arguments[i + 2], arguments[i + 3]));
            for (int lane = 0; lane < 4; lane++)
                if (BitConverter.DoubleToInt64Bits(lanes[lane]) != BitConverter.DoubleToInt64Bits(JsMath.Tanh(arguments[i + lane]))) differ++;
        }
        Assert.Equal(0, differ);
    }
}
