using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>A trainer's resumable state: the model's state dict (weights and buffers) followed by the optimizer's.</summary>
public static class CheckpointState
{
    public static byte[] Save(nn.Module model, OptimizerHelper optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.save(writer);
            optimizer.save_state_dict(writer);
        }
        return stream.ToArray();
    }

    public static void Restore(byte[] state, nn.Module model, OptimizerHelper optimizer)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        model.load(reader);
        optimizer.load_state_dict(reader);
    }

    /// <summary>The trained weights alone, in TorchSharp's format (<c>module.load</c> reads them).</summary>
    public static byte[] SaveModel(nn.Module model)
    {
        using var stream = new MemoryStream();
        model.save(stream);
        return stream.ToArray();
    }
}
