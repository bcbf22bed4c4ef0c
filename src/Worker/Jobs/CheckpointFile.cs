using Dojo.Worker.Training;
using Dojo.Storage;

namespace Dojo.Worker.Jobs;

/// <summary>
/// A checkpoint in the artifact store, one per epoch (<c>jobs/{id}/checkpoint-{epoch}.bin</c>): a header (epoch, step, next sequence
/// number), then each named network's state and the trainer's own bytes. The job row names the epoch whose file is
/// valid, so one written just before a crash, but never committed, is ignored. Files of the first format
/// (<c>DOJOCKP1</c>: one network's and its optimizer's state) still read, as the network <c>model</c>.
/// </summary>
public static class CheckpointFile
{
    private const string Magic = "DOJOCKP2";
    private const string FirstFormat = "DOJOCKP1";

    public static byte[] ToBytes(Checkpoint checkpoint, long nextSeq)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(checkpoint.Epoch);
            writer.Write(checkpoint.Step);
            writer.Write(nextSeq);
            writer.Write(checkpoint.State.Networks.Count);
            foreach (var network in checkpoint.State.Networks)
            {
                writer.Write(network.Name);
                writer.Write(network.State.Length);
                writer.Write(network.State);
            }
            writer.Write(checkpoint.State.Own.Length);
            writer.Write(checkpoint.State.Own);
        }
        return stream.ToArray();
    }

    /// <summary>Reads a checkpoint's bytes (<paramref name="path"/> names it in messages).</summary>
    public static Checkpoint Read(byte[] bytes, string path, int expectedEpoch)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), System.Text.Encoding.UTF8);
        string magic = reader.ReadString();
        if (magic is not (Magic or FirstFormat)) throw new InvalidDataException($"{path} is not a Dojo checkpoint");
        int epoch = reader.ReadInt32();
        long step = reader.ReadInt64();
        _ = reader.ReadInt64();
        if (epoch != expectedEpoch) throw new InvalidDataException($"{path} holds epoch {epoch}, expected {expectedEpoch}");
        if (magic == FirstFormat)
            return new Checkpoint(epoch, step, new TrainingState([new NetworkState(Domain.Jobs.ModelNames.Default, reader.ReadBytes(reader.ReadInt32()))], []));
        var networks = new List<NetworkState>();
        for (int count = reader.ReadInt32(), i = 0; i < count; i++)
            networks.Add(new NetworkState(reader.ReadString(), reader.ReadBytes(reader.ReadInt32())));
        return new Checkpoint(epoch, step, new TrainingState(networks, reader.ReadBytes(reader.ReadInt32())));
    }
}
