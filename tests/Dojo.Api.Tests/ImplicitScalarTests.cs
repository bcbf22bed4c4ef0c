using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>
/// TorchSharp turns a C# number into a <see cref="Scalar"/> implicitly and leaves it to the GC, whose finalizer can
/// free it while libtorch still reads it (dotnet/TorchSharp#1434): jobs failed now and then with "Expected false to
/// be true … toFloat" or "alpha must not be a floating point number". This reads the IL of every method of Dojo's
/// worker and API, and of the TorchSharp methods and module forwards they reach, for a conversion whose Scalar is not
/// kept (stored in a local, field or returned) but handed straight to a call. A new one anywhere on those paths fails
/// here, naming the path.
/// </summary>
public sealed class ImplicitScalarTests(ITestOutputHelper output)
{
    private const int Depth = 6;

    [Fact]
    public void No_number_becomes_a_scalar_for_one_call_on_any_path_dojo_takes()
    {
        var findings = Scan([typeof(Dojo.Worker.WorkerProgram).Assembly, typeof(Program).Assembly]);
        foreach (var finding in findings) output.WriteLine(finding);
        Assert.True(findings.Count == 0, $"{findings.Count} paths convert a number to a Scalar for one call:\n{string.Join("\n", findings.Take(40))}");
    }

    private static readonly Dictionary<short, OpCode> ByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static readonly Assembly Torch = typeof(TorchSharp.Scalar).Assembly;

    /// <summary>Each finding: the path from a Dojo method to the conversion.</summary>
    public static List<string> Scan(IEnumerable<Assembly> dojo)
    {
        var findings = new List<string>();
        var queue = new Queue<(MethodBase Method, string Path, int Depth)>();
        var seen = new HashSet<MethodBase>();
        foreach (var type in dojo.SelectMany(a => a.GetTypes()))
            foreach (var method in Methods(type))
                queue.Enqueue((method, Name(method), 0));
        while (queue.Count > 0)
        {
            var (method, path, depth) = queue.Dequeue();
            if (!seen.Add(method)) continue;
            var instructions = Instructions(method).ToList();
            for (int i = 0; i < instructions.Count; i++)
            {
                if (Target(method, instructions[i]) is not { } target) continue;
                if (target.DeclaringType == typeof(TorchSharp.Scalar) && target.Name == "op_Implicit")
                {
                    if (!Keeps(instructions, i + 1)) findings.Add($"{path} → converts to a Scalar for one call");
                    continue;
                }
                if (target.DeclaringType?.Assembly != Torch || depth >= Depth) continue;
                queue.Enqueue((target, $"{path} → {Name(target)}", depth + 1));
                // A module a Dojo method makes: its forward runs on every step, behind a virtual call.
                var made = target is MethodInfo info ? info.ReturnType : target.DeclaringType;
                if (target.IsConstructor || target is MethodInfo { IsStatic: true })
                    foreach (var forward in Forwards(made))
                        queue.Enqueue((forward, $"{path} → {Name(target)} → {Name(forward)}", depth + 1));
            }
        }
        return findings.Distinct().ToList();
    }

    private static IEnumerable<MethodBase> Methods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Cast<MethodBase>().Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static));

    /// <summary>The forward methods of a TorchSharp module type, its own or inherited from a TorchSharp base.</summary>
    private static IEnumerable<MethodBase> Forwards(Type? type)
    {
        for (var t = type; t is not null && t.Assembly == Torch; t = t.BaseType)
            if (typeof(torch.nn.Module).IsAssignableFrom(t))
                foreach (var forward in t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => m.Name == "forward" && !m.IsAbstract))
                    yield return forward;
    }

    /// <summary>Whether the value an instruction leaves is kept: stored, returned, or duplicated to be stored.</summary>
    private static bool Keeps(List<(OpCode Op, int Token)> instructions, int next) =>
        next < instructions.Count && instructions[next].Op.Name is { } name
        && (name.StartsWith("stloc", StringComparison.Ordinal) || name is "stfld" or "stsfld" or "ret" or "dup" or "stobj" || name.StartsWith("stelem", StringComparison.Ordinal));

    private static MethodBase? Target(MethodBase caller, (OpCode Op, int Token) instruction)
    {
        if (instruction.Op != OpCodes.Call && instruction.Op != OpCodes.Callvirt && instruction.Op != OpCodes.Newobj && instruction.Op != OpCodes.Ldftn)
            return null;
        try
        {
            return caller.Module.ResolveMethod(instruction.Token,
                caller.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null,
                caller.IsGenericMethod ? caller.GetGenericArguments() : null);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static IEnumerable<(OpCode Op, int Token)> Instructions(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException)
        {
            il = null;
        }
        if (il is null) yield break;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il[i++]));
            var op = ByValue[value];
            int token = 0;
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineString or OperandType.InlineSig:
                    token = BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                default: // InlineBrTarget, InlineI, ShortInlineR
                    i += 4;
                    break;
            }
            yield return (op, token);
        }
    }

    private static string Name(MethodBase method) =>
        $"{method.DeclaringType?.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";
}
