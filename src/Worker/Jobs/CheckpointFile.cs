using Dojo.Worker.Training;
using Dojo.Storage;

namespace Dojo.Worker.Jobs;

/// <summary>
/// A checkpoint on disk, one file per epoch (<c>checkpoint-{epoch}.bin</c>): a header (epoch, step,
/// next sequence number) and the trainer's state. The job row names the epoch whose file is valid, so a
/// file written just before a crash, but never committed, is ignored.
/// </summary>
public static class CheckpointFile
{
    private const string Magic = "DOJOCKP1";

    public static void Write(string path, Checkpoint checkpoint, long nextSeq)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(checkpoint.Epoch);
            writer.Write(checkpoint.Step);
            writer.Write(nextSeq);
            writer.Write(checkpoint.State.Length);
            writer.Write(checkpoint.State);
        }
        JobFiles.WriteAtomically(path, stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    public static Checkpoint Read(string path, int expectedEpoch)
    {
        using var reader = new BinaryReader(File.OpenRead(path), System.Text.Encoding.ASCII);
        if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a Dojo checkpoint");
        int epoch = reader.ReadInt32();
        long step = reader.ReadInt64();
        _ = reader.ReadInt64();
        if (epoch != expectedEpoch) throw new InvalidDataException($"{path} holds epoch {epoch}, expected {expectedEpoch}");
        var state = reader.ReadBytes(reader.ReadInt32());
        return new Checkpoint(epoch, step, state);
    }
}
