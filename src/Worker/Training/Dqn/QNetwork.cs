using Dojo.Domain.Kinds.Dqn;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Dqn;

/// <summary>One step of a greedy episode: the observation the agent saw, the action it took, the reward it got.</summary>
public sealed record TraceStep(float[] State, int Action, double Reward);

/// <summary>A greedy episode: its steps, and its return.</summary>
public sealed record EpisodeTrace(IReadOnlyList<TraceStep> Steps, double Return);

/// <summary>What a Q-network does besides learning: its Q-values for observations, acting greedily, greedy episodes, and keeping a target copy.</summary>
public static class QNetwork
{
    /// <summary>Q-values of each observation (evaluation mode, no gradients), one row per observation.</summary>
    public static float[][] Values(nn.Module<Tensor, Tensor> q, IReadOnlyList<float[]> observations, Device device)
    {
        if (observations.Count == 0) return [];
        int size = observations[0].Length;
        var input = new float[observations.Count * size];
        for (int i = 0; i < observations.Count; i++) observations[i].CopyTo(input, i * size);
        q.eval();
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var values = q.forward(tensor(input, [observations.Count, size], device: device)).cpu().data<float>().ToArray();
        int actions = values.Length / observations.Count;
        return Enumerable.Range(0, observations.Count).Select(i => values[(i * actions)..((i + 1) * actions)]).ToArray();
    }

    /// <summary>The action of highest Q-value (the first of equals).</summary>
    public static int Greedy(nn.Module<Tensor, Tensor> q, float[] observation, Device device) => ArgMax(Values(q, [observation], device)[0]);

    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// <paramref name="episodes"/> greedy episodes on <paramref name="environment"/>: their returns, and the trace of the last.
    /// </summary>
    public static (double[] Returns, EpisodeTrace Last) Evaluate(nn.Module<Tensor, Tensor> q, IEnvironment environment, int episodes, Device device, CancellationToken stopping)
    {
        var returns = new double[episodes];
        EpisodeTrace last = new([], 0);
        for (int e = 0; e < episodes; e++)
        {
            var steps = new List<TraceStep>();
            var observation = environment.Reset();
            double total = 0;
            while (true)
            {
                stopping.ThrowIfCancellationRequested();
                int action = Greedy(q, observation, device);
                var transition = environment.Step(action);
                steps.Add(new TraceStep(observation, action, transition.Reward));
                total += transition.Reward;
                observation = transition.Observation;
                if (transition.Done) break;
            }
            returns[e] = total;
            last = new EpisodeTrace(steps, total);
        }
        return (returns, last);
    }

    /// <summary>Copies the online network's weights and buffers into the target network.</summary>
    public static void CopyInto(nn.Module target, nn.Module online)
    {
        using var _ = no_grad();
        foreach (var (to, from) in Pairs(target, online)) to.copy_(from);
    }

    /// <summary>Polyak averaging: θ' ← τθ + (1 − τ)θ' for every weight (buffers are copied).</summary>
    public static void MoveTowards(nn.Module target, nn.Module online, Scalar tau, Scalar keep)
    {
        using var _ = no_grad();
        foreach (var (to, from) in target.parameters().Zip(online.parameters())) to.mul_(keep).add_(from, tau);
        foreach (var (to, from) in target.buffers().Zip(online.buffers())) to.copy_(from);
    }

    private static IEnumerable<(Tensor To, Tensor From)> Pairs(nn.Module target, nn.Module online) =>
        target.parameters().Cast<Tensor>().Concat(target.buffers()).Zip(online.parameters().Cast<Tensor>().Concat(online.buffers()));

    /// <summary>
    /// Scales every gradient down so their joint L2 norm is at most <paramref name="maxNorm"/> (as PyTorch's
    /// clip_grad_norm_); returns the norm before clipping.
    /// </summary>
    public static double ClipGradients(IEnumerable<Tensor> parameters, double maxNorm)
    {
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        double total;
        using (var scope = NewDisposeScope())
            total = stack(grads.Select(g => g.norm()).ToArray()).norm().item<float>();
        if (maxNorm <= 0 || total <= maxNorm) return total;
        using Scalar scale = maxNorm / (total + 1e-6);
        using var _ = no_grad();
        foreach (var grad in grads) grad.mul_(scale);
        return total;
    }
}
