using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// Everything a worker needs to run one job, for one kind of job (<see cref="Kind"/>: <c>supervised</c> when a
/// request leaves it out). Each kind is a record in its own folder under src/Domain/Kinds with its validator, and
/// a trainer in src/Worker/Training; the job machinery sees only what is declared here.
/// </summary>
public abstract record JobSpec
{
    /// <summary>Where every kind names its device (and seed): its <c>training</c> section.</summary>
    public const string DeviceField = "training.device";

    /// <summary>The kind's name in JSON (<c>"kind": "supervised"</c>).</summary>
    [JsonPropertyOrder(-1)]
    public string Kind => JobKinds.Catalog.NameOf(GetType());

    /// <summary>The device the job asks for (at submit: cpu, cuda, cuda:N or auto; once stored: the one resolved).</summary>
    public abstract DeviceName Device();

    public abstract JobSpec WithDevice(DeviceName device);

    /// <summary>Problems that keep the job from being stored, keyed by JSON path (<c>network.layers[3].units</c>).</summary>
    public abstract IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits);

    /// <summary>The data set the job learns from, kept at <c>dataset</c>; null for a kind that learns otherwise (from an environment).</summary>
    public virtual DatasetSpec? TrainsOn() => null;

    /// <summary>The same job on <paramref name="dataset"/> (at submit: an upload's shape filled in).</summary>
    public virtual JobSpec WithDataset(DatasetSpec dataset) => throw new NotSupportedException($"a {Kind} job has no data set");

    /// <summary>What running the job will cost, estimated from its spec (shape inference, samples, epochs).</summary>
    public abstract JobCost Cost();

    /// <summary>The finished job whose trained networks this one starts from (transfer learning), if any.</summary>
    public virtual Guid? TransfersFrom() => null;

    /// <summary>Where the spec names that job (for the 400 when it is missing or unfinished).</summary>
    public virtual string TransfersFromField() => "network.transfer.fromJob";

    /// <summary>Whether this job can start from <paramref name="source"/>'s trained networks; problems keyed by field.</summary>
    public virtual IReadOnlyDictionary<string, string[]> CheckTransferSource(JobSpec source) => new Dictionary<string, string[]>();
}

/// <summary>
/// The job kinds this process knows, by their JSON name. <c>supervised</c> is the default (what every job stored
/// before kinds existed is); a worker gives each kind its trainer (<c>services.AddJobKind&lt;GanSpec, GanTrainer&gt;("gan")</c>,
/// which registers the name too), and a test can add a kind of its own the same way.
/// </summary>
public static class JobKinds
{
    public const string Supervised = "supervised";
    public const string Forecast = "forecast";
    public const string LanguageModel = "languageModel";
    public const string Seq2Seq = "seq2seq";
    public const string Gan = "gan";
    public const string Dqn = "dqn";
    public const string Playground = "playground";

    /// <summary>Dojo's own kinds are known everywhere (API, workers, tools); a test adds its own with <see cref="Register{TSpec}"/>.</summary>
    internal static KindCatalog Catalog { get; } = new KindCatalog("kind", Supervised)
        .Add(Supervised, typeof(Kinds.Supervised.SupervisedSpec))
        .Add(Forecast, typeof(Kinds.Forecast.ForecastSpec))
        .Add(LanguageModel, typeof(Kinds.LanguageModel.LanguageModelSpec))
        .Add(Seq2Seq, typeof(Kinds.Seq2Seq.Seq2SeqSpec))
        .Add(Gan, typeof(Kinds.Gan.GanSpec))
        .Add(Dqn, typeof(Kinds.Dqn.DqnSpec))
        .Add(Playground, typeof(Kinds.Playground.PlaygroundJobSpec));

    public static void Register<TSpec>(string name) where TSpec : JobSpec
    {
        if (!Jobs.ModelNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a kind name (a lower-case letter, then letters and digits)", nameof(name));
        Catalog.Add(name, typeof(TSpec));
    }

    public static Type? SpecType(string name) => Catalog.TypeOf(name);

    public static IReadOnlyList<string> Names => Catalog.Names;
}

/// <summary>
/// A job's estimated cost in floating-point operations, the field to turn down to lower it, and how it adds up
/// (e.g. "4.1e+08 per sample forward, 7200 samples, 10000 epochs") — for the message that refuses it.
/// </summary>
public sealed record JobCost(double Flops, string Field, string Explanation)
{
    public static string Format(double flops) => flops.ToString("0.0e+0", System.Globalization.CultureInfo.InvariantCulture);
}
