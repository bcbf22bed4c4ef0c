using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Dqn;

/// <summary>
/// The world a DQN acts in: <c>{ "name": "cartPole" }</c>, or <c>{ "name": "gridWorld", "map": ["S..", ".#G"],
/// "stepPenalty": -0.01, "slip": 0, "maxSteps": 100 }</c> (see <see cref="GridWorld"/> for the map's cells).
/// </summary>
public sealed record EnvironmentSpec
{
    public const string CartPoleName = "cartPole", GridWorldName = "gridWorld";
    public static readonly string[] Names = [CartPoleName, GridWorldName];

    public string Name { get; init; } = "";
    public IReadOnlyList<string>? Map { get; init; }
    public double StepPenalty { get; init; } = -0.01;
    public double Slip { get; init; }
    public int MaxSteps { get; init; } = 100;

    /// <summary>The environment, seeded: the same seed and actions give the same episodes.</summary>
    public IEnvironment Create(int seed) => Name switch
    {
        CartPoleName => new CartPole(seed),
        GridWorldName => new GridWorld(Map!, StepPenalty, Slip, MaxSteps, seed),
        _ => throw new InvalidOperationException($"'{Name}' is not an environment"),
    };

    /// <summary>The most steps an episode can last.</summary>
    public int EpisodeCap() => Name == CartPoleName ? CartPole.MaxSteps : MaxSteps;

    /// <summary>Whether the spec names a known environment and its settings fit it; problems under <paramref name="path"/>.</summary>
    public bool Validate(ValidationErrors errors, string path)
    {
        int before = errors.Count;
        if (!Names.Contains(Name)) errors.Add($"{path}.name", $"'{Name}' is not an environment; one of: {string.Join(", ", Names)}");
        else if (Name == GridWorldName)
        {
            if (GridWorld.Problem(Map) is { } problem) errors.Add($"{path}.map", problem);
            if (Slip is < 0 or >= 1 || !double.IsFinite(Slip)) errors.Add($"{path}.slip", "must be in [0, 1)");
            if (StepPenalty is < -1 or > 1 || !double.IsFinite(StepPenalty)) errors.Add($"{path}.stepPenalty", "must be between -1 and 1");
            if (MaxSteps is < 1 or > 10_000) errors.Add($"{path}.maxSteps", "must be between 1 and 10000");
        }
        else if (Map is not null) errors.Add($"{path}.map", "is for gridWorld only");
        return errors.Count == before;
    }
}

/// <summary>
/// The four techniques that make DQN stable (Mnih et al. 2015), each on by default and each switchable, so a student
/// sees what each one buys: learning from a replay buffer of past transitions rather than the latest ones in order, a
/// target network held fixed between updates rather than the network chasing its own estimates, rewards clipped to
/// [−1, 1], and the Huber loss (quadratic within 1, linear beyond) rather than the squared error.
/// </summary>
public sealed record DqnTechniques
{
    public bool Replay { get; init; } = true;
    public bool TargetNetwork { get; init; } = true;
    public bool RewardClipping { get; init; } = true;
    public bool HuberLoss { get; init; } = true;
}

/// <summary>
/// Experience replay: the last <see cref="Capacity"/> transitions are kept; from <see cref="LearningStarts"/>
/// environment steps on, every <see cref="TrainFrequency"/> steps the network takes <see cref="GradientSteps"/>
/// gradient steps, each on <see cref="BatchSize"/> transitions drawn uniformly. Without replay (online Q-learning)
/// the gradient steps learn from the <see cref="TrainFrequency"/> transitions since the last ones, in order, and
/// never from them again.
/// </summary>
public sealed record ReplaySpec
{
    public const int MaxCapacity = 1_000_000;

    public int Capacity { get; init; } = 50_000;
    public int BatchSize { get; init; } = 64;
    public int LearningStarts { get; init; } = 1_000;
    public int TrainFrequency { get; init; } = 1;
    public int GradientSteps { get; init; } = 1;
}

/// <summary>
/// The target network: copied from the online network every <see cref="UpdateEvery"/> environment steps, or — when
/// <see cref="Tau"/> is given — moved towards it by τ after every gradient step (θ' ← τθ + (1 − τ)θ').
/// </summary>
public sealed record TargetSpec
{
    public int UpdateEvery { get; init; } = 1_000;
    public double? Tau { get; init; }
}

/// <summary>ε-greedy: ε falls linearly from <see cref="Start"/> to <see cref="End"/> over the first <see cref="DecaySteps"/> environment steps.</summary>
public sealed record ExplorationSpec
{
    public double Start { get; init; } = 1.0;
    public double End { get; init; } = 0.05;
    public int DecaySteps { get; init; } = 10_000;

    public double At(long step) => DecaySteps == 0 || step >= DecaySteps ? End : Start + (End - Start) * step / DecaySteps;
}

/// <summary>
/// Greedy evaluation on an environment of its own (its own seed, so evaluating never changes what training sees):
/// every <see cref="Every"/> episodes the mean return of <see cref="Episodes"/> greedy episodes; at the end
/// <see cref="FinalEpisodes"/> of them. With <see cref="KeepBest"/> the network kept (and evaluated at the end) is the
/// one with the best periodic evaluation, as a course keeps its best checkpoint; otherwise the last.
/// </summary>
public sealed record EvaluationSpec
{
    public int Every { get; init; } = 10;
    public int Episodes { get; init; } = 10;
    public int FinalEpisodes { get; init; } = 100;
    public bool KeepBest { get; init; }
}

/// <summary>How long to train: at most <see cref="Episodes"/> episodes (an episode is an epoch), and at most <see cref="Steps"/> environment steps when given.</summary>
public sealed record DqnTraining
{
    public int Episodes { get; init; } = 500;
    public long? Steps { get; init; }
    public int Seed { get; init; } = 1;
    public DeviceName Device { get; init; } = DeviceName.Cpu;
}

/// <summary>
/// Deep Q-learning: a network (<see cref="Network"/>, the ordinary network spec) maps an observation to one Q-value per
/// action; the agent acts ε-greedily, stores transitions, and regresses Q(s, a) on r + γ max Q'(s', ·) — Q' the
/// target network (Double DQN: the online network picks the action, the target network values it). Given as
/// <c>{ "kind": "dqn", "environment", "network", "optimizer", "techniques", "replay", "target", "exploration",
/// "gamma", "doubleDqn", "gradientClipping", "evaluation", "training" }</c>. An episode is an epoch; the networks are
/// kept as <c>q</c> and <c>target</c>.
/// </summary>
public sealed record DqnSpec : JobSpec
{
    public required EnvironmentSpec Environment { get; init; }
    public required NetworkSpec Network { get; init; }
    public OptimizerSpec Optimizer { get; init; } = new() { Kind = OptimizerKind.Adam, LearningRate = 0.001 };
    public DqnTechniques Techniques { get; init; } = new();
    public ReplaySpec Replay { get; init; } = new();
    public TargetSpec Target { get; init; } = new();
    public ExplorationSpec Exploration { get; init; } = new();
    public double Gamma { get; init; } = 0.99;
    public bool DoubleDqn { get; init; }

    /// <summary>The largest gradient norm a step may take (larger ones are scaled down to it); 0: no clipping.</summary>
    public double GradientClipping { get; init; } = 10;
    public EvaluationSpec Evaluation { get; init; } = new();
    public DqnTraining Training { get; init; } = new();

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        bool environment = Environment.Validate(errors, "environment");
        Optimizer.Validate(errors, "optimizer");
        if (Gamma is < 0 or > 1 || !double.IsFinite(Gamma)) errors.Add("gamma", $"must be between 0 and 1 (got {Gamma})");
        if (GradientClipping < 0 || !double.IsFinite(GradientClipping)) errors.Add("gradientClipping", "must be zero (off) or a positive gradient norm");

        if (Replay.Capacity is < 1 or > ReplaySpec.MaxCapacity) errors.Add("replay.capacity", $"must be between 1 and {ReplaySpec.MaxCapacity}");
        if (Replay.BatchSize < 1) errors.Add("replay.batchSize", "must be at least 1");
        else if (Techniques.Replay && Replay.BatchSize > Replay.Capacity)
            errors.Add("replay.batchSize", $"is {Replay.BatchSize}, more transitions than the buffer holds (replay.capacity {Replay.Capacity})");
        if (Replay.LearningStarts < 0) errors.Add("replay.learningStarts", "must be zero or more environment steps");
        if (Replay.TrainFrequency is < 1 or > 100_000) errors.Add("replay.trainFrequency", "must be between 1 and 100000 environment steps");
        if (Replay.GradientSteps is < 1 or > 1_000) errors.Add("replay.gradientSteps", "must be between 1 and 1000");

        if (Target.UpdateEvery is < 1 or > 10_000_000) errors.Add("target.updateEvery", "must be between 1 and 10000000 environment steps");
        if (Target.Tau is { } tau && (tau is <= 0 or > 1 || !double.IsFinite(tau))) errors.Add("target.tau", "must be in (0, 1]");

        foreach (var (value, name) in new[] { (Exploration.Start, "start"), (Exploration.End, "end") })
            if (value is < 0 or > 1 || !double.IsFinite(value)) errors.Add($"exploration.{name}", "must be a probability between 0 and 1");
        if (Exploration.DecaySteps < 0) errors.Add("exploration.decaySteps", "must be zero or more environment steps");

        if (Evaluation.Every < 0) errors.Add("evaluation.every", "must be zero (no periodic evaluation) or a number of episodes");
        if (Evaluation.Episodes is < 1 or > 1_000) errors.Add("evaluation.episodes", "must be between 1 and 1000");
        if (Evaluation.FinalEpisodes is < 0 or > 1_000) errors.Add("evaluation.finalEpisodes", "must be between 0 and 1000");
        if (Evaluation.KeepBest && Evaluation.Every == 0) errors.Add("evaluation.keepBest", "needs periodic evaluations (evaluation.every) to pick the best from");

        if (Training.Episodes < 1 || Training.Episodes > limits.MaxEpochs) errors.Add("training.episodes", $"must be between 1 and {limits.MaxEpochs}");
        if (Training.Steps is < 1) errors.Add("training.steps", "must be a positive number of environment steps");
        if (Network.Transfer is not null) errors.Add("network.transfer", "transfer learning is for supervised jobs");
        if (!environment || errors.Count > 0) return errors.ToDictionary();

        var (observation, actions) = Shapes();
        if ((long)Replay.Capacity * 2 * observation > limits.MaxDatasetValues)
            errors.Add("replay.capacity", $"{Replay.Capacity} transitions of {observation} values (and the next state's) exceed the limit of {limits.MaxDatasetValues} values kept in memory");
        if (NetworkChecks.Check(Network, [observation], limits, errors, "network") is { } output && !output.SequenceEqual([actions]))
            errors.Add(Network.Layers.Count == 0 ? "network.layers" : $"network.layers[{Network.Layers.Count - 1}]",
                $"the network ends with {ShapeInference.Format(output)}; a Q-network gives one value per action: [{actions}] for {Environment.Name}");
        return errors.ToDictionary();
    }

    /// <summary>The size of an observation and the number of actions of the spec's environment.</summary>
    public (int Observation, int Actions) Shapes()
    {
        var environment = Environment.Create(0);
        return (environment.ObservationSize, environment.Actions);
    }

    /// <summary>
    /// At most every episode runs to its cap (or the step budget): per environment step a forward pass to act, and per
    /// gradient step a batch forward and backward (about three passes) plus the target network's (and with Double DQN
    /// the online network's) pass over the next states; evaluations are forward passes.
    /// </summary>
    public override JobCost Cost()
    {
        var (observation, _) = Shapes();
        double forward = ShapeInference.ForwardFlops(Network, [observation]);
        double steps = (double)Training.Episodes * Environment.EpisodeCap();
        if (Training.Steps is { } budget) steps = Math.Min(steps, budget + Environment.EpisodeCap());
        double gradientSteps = steps / Replay.TrainFrequency * Replay.GradientSteps;
        double evaluated = ((Evaluation.Every > 0 ? Training.Episodes / Evaluation.Every * Evaluation.Episodes : 0) + Evaluation.FinalEpisodes) * (double)Environment.EpisodeCap();
        double flops = steps * forward + gradientSteps * Replay.BatchSize * forward * (DoubleDqn ? 5 : 4) + evaluated * forward;
        return new JobCost(flops, "training.episodes",
            $"{JobCost.Format(forward)} per forward pass, up to {steps:G3} environment steps, {gradientSteps:G3} gradient steps of {Replay.BatchSize}");
    }
}

/// <summary>What a DQN job records: per episode (its epoch), per training interval, and from greedy evaluations.</summary>
public static class DqnMetrics
{
    /// <summary>Each episode: its return (rewards as the environment gave them, unclipped), its length, and ε at its end.</summary>
    public const string EpisodeReturn = "episode_return", EpisodeLength = "episode_length", Epsilon = "epsilon";
    /// <summary>The mean return of the last 100 episodes (fewer at first).</summary>
    public const string AverageReturn = "return_avg100";
    /// <summary>Over the episode's gradient steps: the mean TD loss, and the mean of max over actions of Q(s, ·) on the batches.</summary>
    public const string TdLoss = "td_loss", MeanMaxQ = "mean_max_q";
    /// <summary>Environment steps taken so far, over all episodes.</summary>
    public const string EnvironmentSteps = "env_steps";
    /// <summary>Every evaluation.every episodes: the mean return of evaluation.episodes greedy episodes.</summary>
    public const string EvalReturn = "eval_return";
    /// <summary>At the end: the mean and lowest return of evaluation.finalEpisodes greedy episodes of the network kept.</summary>
    public const string FinalReturn = "final_eval_return", FinalLowest = "final_eval_min";
    /// <summary>Grid worlds: the best return there is (the shortest safe path, without slips).</summary>
    public const string OptimalReturn = "optimal_return";
}
