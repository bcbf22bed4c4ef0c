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
}
