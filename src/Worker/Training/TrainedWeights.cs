using System.Collections;
using System.Text;
using System.Text.Json.Nodes;
using Dojo.Domain.Specs;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>What a tracked network is: its layers and the shape of one input (goes into the exported weights' metadata).</summary>
public sealed record NetworkDescription(NetworkSpec Network, int[] InputShape);

/// <summary>
/// A trained network's state dict in three formats: TorchSharp's (<c>module.load</c>; Dojo's own keys, <c>dense0.weight</c>,
/// which transfer learning and checkpoints read), and for PyTorch users safetensors and <c>torch.save</c>'s archive under the
/// keys an <c>nn.Sequential</c> of the same layers has: a Sequential's children by their index (<c>0.weight</c>, <c>2.bias</c>),
/// so <c>load_state_dict</c> takes them as they are. The safetensors header's <c>__metadata__</c> carries the job's spec and
/// the network's layers (see <see cref="Metadata"/>).
/// </summary>
public sealed record TrainedWeights(byte[] TorchSharp, byte[] Safetensors, byte[] PyTorch)
{
    public static TrainedWeights Of(nn.Module module, IReadOnlyDictionary<string, string> metadata)
    {
        using var scope = NewDisposeScope();
        using var torchSharp = new MemoryStream();
        module.save(torchSharp);
        var state = PyTorchStateDict(module);
        using var pytorch = new MemoryStream();
        var table = new Hashtable();
        foreach (var (key, tensor) in state) table[key] = tensor;
        PyTorchPickler.PickleStateDict(pytorch, table, leaveOpen: true);
        return new TrainedWeights(torchSharp.ToArray(), SafetensorsFile(state, metadata), pytorch.ToArray());
    }

    /// <summary>
    /// The safetensors metadata (strings only, as the format has it): <c>format</c> "pt" (what safetensors' own writer
    /// puts for PyTorch), <c>dojo.model</c> (model, generator, …), <c>dojo.job</c>, <c>dojo.spec</c> (the job's spec as
    /// JSON), and where the trainer described the network, <c>dojo.network</c> (its layers as JSON, as trained: a
    /// classifier's last sigmoid/softmax is in the loss, not the weights) and <c>dojo.inputShape</c> (one sample's shape).
    /// </summary>
    public static Dictionary<string, string> Metadata(string model, Guid jobId, JobSpec spec, NetworkDescription? network)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["dojo.model"] = model,
            ["dojo.job"] = jobId.ToString(),
            ["dojo.spec"] = SpecJson.Serialize(spec),
        };
        if (network is not null)
        {
            metadata["dojo.network"] = SpecJson.Serialize(network.Network);
            metadata["dojo.inputShape"] = "[" + string.Join(",", network.InputShape) + "]";
        }
        return metadata;
    }

    /// <summary>
    /// The state dict under PyTorch's names: every <see cref="Sequential"/>'s children renamed to their index, other names
    /// kept. Each tensor is a copy with storage of its own: a trained parameter is a view into its optimizer's packed
    /// buffer, and PyTorch's loader rebuilds a pickled tensor from its storage, offset and strides (a view's offset into
    /// a storage written as only the view's bytes made <c>torch.load</c> fail: "Trying to resize storage that is not
    /// resizable").
    /// </summary>
    public static List<(string Key, Tensor Value)> PyTorchStateDict(nn.Module module)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(module, "", "");
        var state = new List<(string, Tensor)>();
        foreach (var (key, tensor) in module.state_dict())
        {
            int dot = key.LastIndexOf('.');
            state.Add((dot > 0 && renamed.TryGetValue(key[..dot], out var owner) ? owner + key[dot..] : key, tensor.detach().clone()));
        }
        return state;

        void Walk(nn.Module parent, string path, string pyTorchPath)
        {
            int index = 0;
            foreach (var (name, child) in parent.named_children())
            {
                string childName = parent is Sequential ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : name;
                index++;
                string childPath = path.Length == 0 ? name : $"{path}.{name}";
                string childPyTorchPath = pyTorchPath.Length == 0 ? childName : $"{pyTorchPath}.{childName}";
                renamed[childPath] = childPyTorchPath;
                Walk(child, childPath, childPyTorchPath);
            }
        }
    }

    /// <summary>
    /// safetensors: an 8-byte little-endian header length, a JSON header (each tensor's dtype, shape and byte range; the
    /// metadata under <c>__metadata__</c>) padded with spaces to a multiple of 8, then the tensors' bytes, little-endian.
    /// </summary>
    private static byte[] SafetensorsFile(IReadOnlyList<(string Key, Tensor Value)> state, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))) };
        var contents = new List<byte[]>(state.Count);
        long offset = 0;
        foreach (var (key, tensor) in state)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            byte[] bytes = cpu.bytes.ToArray();
            header[key] = new JsonObject
            {
                ["dtype"] = SafetensorsType(cpu.dtype),
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            contents.Add(bytes);
            offset += bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var file = new MemoryStream();
        using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((ulong)padded);
            writer.Write(json);
            for (int i = json.Length; i < padded; i++) writer.Write((byte)' ');
            foreach (var bytes in contents) writer.Write(bytes);
        }
        return file.ToArray();
    }

    private static string SafetensorsType(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no type for {type}"),
    };
}
