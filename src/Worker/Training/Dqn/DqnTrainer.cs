using System.Diagnostics;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Dqn;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Dqn;

/// <summary>
/// Deep Q-learning, an episode per epoch: act ε-greedily, keep the transition, and every few steps regress Q(s, a) on
/// r + γ max Q'(s', ·) for a batch (Huber or squared error, gradients clipped by norm); the target network follows
/// by copies or softly. Each of the four stabilising techniques can be off (<see cref="DqnTechniques"/>). Every random
/// draw comes from generators whose state is in the checkpoint with the networks, the optimizer, the replay buffer and
/// the environment, so a resumed job ends bit-identical to an uninterrupted one. Kept as <c>q</c> (and <c>target</c>).
/// </summary>
public sealed class DqnTrainer(DeviceResolver devices) : ITrainer
{
    private const int DropoutStream = 1;
    private const int RecentReturns = 100;

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (DqnSpec)session.Spec;
        var techniques = spec.Techniques;
        int seed = spec.Training.Seed;
        var environment = spec.Environment.Create(seed);
        using var run = new TrainingRun(session, devices, spec.Training.Device, seed);
        var dropout = run.Generator();
        var init = new NetworkInit(run.Generator(), dropout);
        int[] input = [environment.ObservationSize];
        using var online = ModelBuilder.Build(spec.Network, input, init).Net;
        using var target = ModelBuilder.Build(spec.Network, input, init).Net;
        online.to(run.Device);
        target.to(run.Device);
        QNetwork.CopyInto(target, online);
        target.eval();
        using var optimizer = TrainingOptimizer.Create(spec.Optimizer, online.parameters());
        var description = new NetworkDescription(spec.Network, input);
        run.Track(ModelNames.Q, online, optimizer, description);
        if (techniques.TargetNetwork) run.Track(ModelNames.Target, target, description: description);

        // Without replay the buffer holds only the transitions since the last gradient step: each is learnt from once, in order.
        var replay = new ReplayBuffer(techniques.Replay ? spec.Replay.Capacity : spec.Replay.TrainFrequency, environment.ObservationSize);
        var explore = new SplitMix(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 1));
        long steps = 0;
        var recent = new Queue<double>();
        double bestScore = double.NegativeInfinity;
        byte[]? best = null;
        run.Resume(own =>
        {
            environment.Load(own);
            explore.State = own.ReadUInt64();
            steps = own.ReadInt64();
            int count = own.ReadInt32();
            for (int i = 0; i < count; i++) recent.Enqueue(own.ReadDouble());
            bestScore = own.ReadDouble();
            int bestLength = own.ReadInt32();
            best = bestLength > 0 ? own.ReadBytes(bestLength) : null;
            replay.Load(own);
        });

        float gamma = (float)spec.Gamma;
        using Scalar tau = spec.Target.Tau ?? 1.0, keep = 1 - (spec.Target.Tau ?? 1.0);
        var learner = new Learner(spec, online, techniques.TargetNetwork ? target : online, optimizer);
        EpisodeTrace? lastTrace = null;
        for (int episode = run.FirstEpoch; episode <= spec.Training.Episodes && !(steps >= spec.Training.Steps); episode++)
        {
            run.Reseed(dropout, episode, DropoutStream);
            var clock = Stopwatch.StartNew();
            var observation = environment.Reset();
            double episodeReturn = 0, lossSum = 0, maxQSum = 0;
            int length = 0, gradientSteps = 0;
            while (true)
            {
                run.ThrowIfStopping();
                double epsilon = spec.Exploration.At(steps);
                int action = explore.NextDouble() < epsilon ? explore.Next(environment.Actions) : QNetwork.Greedy(online, observation, run.Device);
                var transition = environment.Step(action);
                double reward = techniques.RewardClipping ? Math.Clamp(transition.Reward, -1, 1) : transition.Reward;
                replay.Add(observation, action, reward, transition.Observation, transition.Terminated);
                steps++;
                length++;
                episodeReturn += transition.Reward;
                observation = transition.Observation;

                if (steps > spec.Replay.LearningStarts && steps % spec.Replay.TrainFrequency == 0)
                    for (int g = 0; g < spec.Replay.GradientSteps; g++)
                    {
                        using var scope = NewDisposeScope();
                        var batch = techniques.Replay ? replay.Sample(spec.Replay.BatchSize, explore, gamma, run.Device) : replay.Latest(spec.Replay.TrainFrequency, gamma, run.Device);
                        var (loss, maxQ) = learner.Step(batch);
                        if (run.Stepped(loss, episode) is { } diverged) return diverged;
                        (lossSum, maxQSum, gradientSteps) = (lossSum + loss, maxQSum + maxQ, gradientSteps + 1);
                        if (techniques.TargetNetwork && spec.Target.Tau is not null) QNetwork.MoveTowards(target, online, tau, keep);
                    }
                if (techniques.TargetNetwork && spec.Target.Tau is null && steps % spec.Target.UpdateEvery == 0) QNetwork.CopyInto(target, online);
                if (transition.Done) break;
            }
            double seconds = clock.Elapsed.TotalSeconds;

            recent.Enqueue(episodeReturn);
            if (recent.Count > RecentReturns) recent.Dequeue();
            var metrics = new List<Metric>
            {
                new(DqnMetrics.EpisodeReturn, episodeReturn), new(DqnMetrics.EpisodeLength, length),
                new(DqnMetrics.Epsilon, spec.Exploration.At(steps)), new(DqnMetrics.AverageReturn, recent.Average()),
                new(DqnMetrics.EnvironmentSteps, steps),
            };
            if (gradientSteps > 0) metrics.AddRange([new(DqnMetrics.TdLoss, lossSum / gradientSteps), new(DqnMetrics.MeanMaxQ, maxQSum / gradientSteps)]);
            if (spec.Evaluation.Every > 0 && episode % spec.Evaluation.Every == 0)
            {
                var (returns, trace) = QNetwork.Evaluate(online, spec.Environment.Create(EvaluationSeed(seed, final: false)), spec.Evaluation.Episodes, run.Device, session.Stopping);
                double score = returns.Average();
                metrics.Add(new(DqnMetrics.EvalReturn, score));
                if (spec.Evaluation.KeepBest && score > bestScore) (bestScore, best) = (score, Weights(online));
                lastTrace = trace;
            }
            metrics.Add(new(MetricNames.SamplesPerSec, seconds > 0 ? length / seconds : 0));
            run.EpochCompleted(episode, metrics, own =>
            {
                environment.Save(own);
                own.Write(explore.State);
                own.Write(steps);
                own.Write(recent.Count);
                foreach (double value in recent) own.Write(value);
                own.Write(bestScore);
                own.Write(best?.Length ?? 0);
                if (best is not null) own.Write(best);
                replay.Save(own);
            });
        }

        if (best is not null) online.load(new BinaryReader(new MemoryStream(best)));
        var final = new List<Metric>();
        if (spec.Evaluation.FinalEpisodes > 0)
        {
            var (returns, trace) = QNetwork.Evaluate(online, spec.Environment.Create(EvaluationSeed(seed, final: true)), spec.Evaluation.FinalEpisodes, run.Device, session.Stopping);
            final.AddRange([new(DqnMetrics.FinalReturn, returns.Average()), new(DqnMetrics.FinalLowest, returns.Min())]);
            lastTrace = trace;
        }
        if (environment is GridWorld grid && grid.OptimalReturn() is { } optimal) final.Add(new(DqnMetrics.OptimalReturn, optimal));
        if (lastTrace is not null) KeepTrace(run, spec, lastTrace);
        if (environment is GridWorld world) run.Keep(DqnFiles.Policy, DqnPictures.Policy(world, QNetwork.Values(online, world.Cells().Select(world.ObservationOf).ToList(), run.Device)));
        return run.Complete(final);
    }

    /// <summary>Evaluation environments have seeds of their own: the same start states at every periodic evaluation, others at the end.</summary>
    private static int EvaluationSeed(int seed, bool final) => unchecked(seed * 7919 + (final ? 202 : 101)) & int.MaxValue;

    private static byte[] Weights(nn.Module module)
    {
        using var stream = new MemoryStream();
        module.save(stream);
        return stream.ToArray();
    }

    /// <summary>The last greedy episode as JSON (state, action, reward per step) and, for the cart-pole, as a strip of pictures.</summary>
    private static void KeepTrace(TrainingRun run, DqnSpec spec, EpisodeTrace trace)
    {
        run.Keep(DqnFiles.Trace, DqnFiles.TraceJson(spec.Environment.Name, trace));
        if (spec.Environment.Name == EnvironmentSpec.CartPoleName) run.Keep(DqnFiles.CartPoleStrip, DqnPictures.CartPoleStrip(trace));
    }

    /// <summary>One gradient step of Q-learning on a batch, with the spec's loss, target and clipping.</summary>
    private sealed class Learner(DqnSpec spec, nn.Module<Tensor, Tensor> online, nn.Module<Tensor, Tensor> target, TrainingOptimizer optimizer)
    {
        private readonly List<Tensor> _parameters = online.parameters().Cast<Tensor>().ToList();

        /// <summary>The step's TD loss and the batch's mean max-Q.</summary>
        public (double Loss, double MaxQ) Step(TransitionBatch batch)
        {
            online.train();
            var q = online.forward(batch.States);
            var taken = q.gather(1, batch.Actions.unsqueeze(1)).squeeze(1);
            Tensor goal;
            using (no_grad())
            {
                var next = target.forward(batch.NextStates);
                var bootstrap = spec.DoubleDqn
                    ? next.gather(1, online.forward(batch.NextStates).argmax(1, keepdim: true)).squeeze(1)
                    : next.max(1).values;
                goal = batch.Rewards.add(bootstrap.mul(batch.Discounts), Held.One);
            }
            var loss = spec.Techniques.HuberLoss ? nn.functional.huber_loss(taken, goal) : nn.functional.mse_loss(taken, goal);
            double value = loss.item<float>();
            optimizer.ZeroGrad();
            loss.backward();
            if (spec.GradientClipping > 0) QNetwork.ClipGradients(_parameters, spec.GradientClipping);
            optimizer.Step();
            return (value, q.detach().max(1).values.mean().item<float>());
        }
    }
}
