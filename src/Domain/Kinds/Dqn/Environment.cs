namespace Dojo.Domain.Kinds.Dqn;

/// <summary>What one step of an environment gives: the next observation, the reward, and whether the episode ended
/// (terminated: a failure or a goal; truncated: the step cap).</summary>
public readonly record struct Transition(float[] Observation, double Reward, bool Terminated, bool Truncated)
{
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// A reinforcement-learning environment, seeded and deterministic: the same seed and actions give the same episodes.
/// Its whole state — the world and its random stream — saves into a checkpoint and loads back, so a resumed job
/// continues the very episode it was in.
/// </summary>
public interface IEnvironment
{
    int ObservationSize { get; }
    int Actions { get; }

    /// <summary>Starts an episode; returns the first observation.</summary>
    float[] Reset();

    Transition Step(int action);

    void Save(BinaryWriter writer);
    void Load(BinaryReader reader);
}

/// <summary>
/// SplitMix64: a small generator whose whole state is one number, so an environment's randomness checkpoints exactly
/// (System.Random's cannot be saved).
/// </summary>
public sealed class SplitMix(ulong seed)
{
    public ulong State { get; set; } = seed;

    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    public int Next(int count) => (int)(NextDouble() * count);
}
