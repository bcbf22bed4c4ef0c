using System.Runtime.InteropServices;
using Dojo.Domain.Kinds.Dqn;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Dqn;

/// <summary>A batch of transitions as tensors: states, actions, (clipped) rewards, next states, and γ where the next state is bootstrapped (0 where the episode terminated).</summary>
public sealed record TransitionBatch(Tensor States, Tensor Actions, Tensor Rewards, Tensor NextStates, Tensor Discounts);

/// <summary>
/// The last <c>capacity</c> transitions in a ring, in plain arrays so a checkpoint holds them exactly. A batch is
/// drawn uniformly (with replacement, as DQN does) from the generator given, or — without replay — is the latest
/// transitions in the order they happened.
/// </summary>
public sealed class ReplayBuffer(int capacity, int observationSize)
{
    private readonly float[] _states = new float[(long)capacity * observationSize];
    private readonly float[] _nextStates = new float[(long)capacity * observationSize];
    private readonly long[] _actions = new long[capacity];
    private readonly float[] _rewards = new float[capacity];
    private readonly bool[] _terminated = new bool[capacity];
    private int _next;

    public int Count { get; private set; }

    public void Add(float[] state, int action, double reward, float[] nextState, bool terminated)
    {
        state.CopyTo(_states, (long)_next * observationSize);
        nextState.CopyTo(_nextStates, (long)_next * observationSize);
        (_actions[_next], _rewards[_next], _terminated[_next]) = (action, (float)reward, terminated);
        _next = (_next + 1) % capacity;
        Count = Math.Min(Count + 1, capacity);
    }

    /// <summary><paramref name="size"/> transitions drawn uniformly from the buffer.</summary>
    public TransitionBatch Sample(int size, SplitMix random, float gamma, Device device)
    {
        var indices = new int[size];
        for (int i = 0; i < size; i++) indices[i] = random.Next(Count);
        return Batch(indices, gamma, device);
    }

    /// <summary>The latest <paramref name="size"/> transitions, oldest first.</summary>
    public TransitionBatch Latest(int size, float gamma, Device device)
    {
        size = Math.Min(size, Count);
        var indices = new int[size];
        for (int i = 0; i < size; i++) indices[i] = ((_next - size + i) % capacity + capacity) % capacity;
        return Batch(indices, gamma, device);
    }

    private TransitionBatch Batch(int[] indices, float gamma, Device device)
    {
        int size = indices.Length;
        var states = new float[size * observationSize];
        var nextStates = new float[size * observationSize];
        var actions = new long[size];
        var rewards = new float[size];
        var discounts = new float[size];
        for (int i = 0; i < size; i++)
        {
            int at = indices[i];
            Array.Copy(_states, (long)at * observationSize, states, (long)i * observationSize, observationSize);
            Array.Copy(_nextStates, (long)at * observationSize, nextStates, (long)i * observationSize, observationSize);
            (actions[i], rewards[i], discounts[i]) = (_actions[at], _rewards[at], _terminated[at] ? 0f : gamma);
        }
        long[] shape = [size, observationSize];
        return new TransitionBatch(tensor(states, shape, device: device), tensor(actions, device: device), tensor(rewards, device: device),
            tensor(nextStates, shape, device: device), tensor(discounts, device: device));
    }

    /// <summary>The filled part of the ring, in bulk (a CartPole buffer of 100,000 transitions is about 3.7 MB).</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Count);
        writer.Write(_next);
        long values = (long)Count * observationSize;
        writer.Write(MemoryMarshal.AsBytes(_states.AsSpan(0, (int)values)));
        writer.Write(MemoryMarshal.AsBytes(_nextStates.AsSpan(0, (int)values)));
        writer.Write(MemoryMarshal.AsBytes(_actions.AsSpan(0, Count)));
        writer.Write(MemoryMarshal.AsBytes(_rewards.AsSpan(0, Count)));
        writer.Write(MemoryMarshal.AsBytes(_terminated.AsSpan(0, Count)));
    }

    public void Load(BinaryReader reader)
    {
        (Count, _next) = (reader.ReadInt32(), reader.ReadInt32());
        if (Count > capacity || _next >= capacity) throw new InvalidDataException($"the checkpoint's replay buffer holds {Count} transitions; this one holds {capacity}");
        int values = Count * observationSize;
        Read(reader, MemoryMarshal.AsBytes(_states.AsSpan(0, values)));
        Read(reader, MemoryMarshal.AsBytes(_nextStates.AsSpan(0, values)));
        Read(reader, MemoryMarshal.AsBytes(_actions.AsSpan(0, Count)));
        Read(reader, MemoryMarshal.AsBytes(_rewards.AsSpan(0, Count)));
        Read(reader, MemoryMarshal.AsBytes(_terminated.AsSpan(0, Count)));
    }

    private static void Read(BinaryReader reader, Span<byte> into)
    {
        while (into.Length > 0)
        {
            int read = reader.Read(into);
            if (read == 0) throw new EndOfStreamException("the checkpoint's replay buffer is cut short");
            into = into[read..];
        }
    }
}
