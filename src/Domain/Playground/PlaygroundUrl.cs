using System.Globalization;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Playground;

/// <summary>Which playground a URL comes from: TensorFlow's, or the DeepInsider fork used by the course.</summary>
public enum PlaygroundSite { TensorFlow, DeepInsider }

/// <summary>A URL that is not a playground URL, or whose state cannot be read.</summary>
public sealed class PlaygroundUrlException(string message) : FormatException(message);

/// <summary>
/// The state a playground URL carries in its fragment, read as the playground's own
/// <c>State.deserializeState</c> reads it (tensorflow/playground <c>src/state.ts</c>): each
/// <c>name=value</c> pair is taken as is; a name with an unknown or empty value keeps the default;
/// numbers follow JavaScript's <c>+value</c> (so <c>learningRate=abc</c> is NaN, refused later by
/// validation); a boolean is false only for the text "false"; <c>networkShape=</c> means no hidden layer.
/// </summary>
[JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] // a URL may say NaN or Infinity, as the page reads it
public sealed record PlaygroundState
{
    public PlaygroundSite Site { get; init; }
    public string Activation { get; init; } = "tanh";
    public string? Regularization { get; init; }
    public double BatchSize { get; init; } = 10;
    public string Dataset { get; init; } = "circle";
    public string RegDataset { get; init; } = "reg-plane";
    public double LearningRate { get; init; } = 0.03;
    public double RegularizationRate { get; init; }
    public double Noise { get; init; }
    public IReadOnlyList<double> NetworkShape { get; init; } = [4, 2];
    public string? Seed { get; init; }
    public double PercTrainData { get; init; } = 50;
    public bool X { get; init; } = true;
    public bool Y { get; init; } = true;
    public bool XTimesY { get; init; }
    public bool XSquared { get; init; }
    public bool YSquared { get; init; }
    public bool SinX { get; init; }
    public bool SinY { get; init; }
    public string Problem { get; init; } = "classification";
    public bool InitZero { get; init; }
    /// <summary>DeepInsider fork: <c>mse</c> (with the playground's ½ factor) or <c>mae</c>.</summary>
    public string Loss { get; init; } = "mse";
    /// <summary>DeepInsider fork: one update per epoch over the whole training set.</summary>
    public bool BatchFull { get; init; }
    /// <summary>DeepInsider fork: the upstream initialisation (U(−0.5, 0.5), biases 0.1) instead of Glorot.</summary>
    public bool InitOrigin { get; init; }

    /// <summary>The data set the page draws: the classification one, or for <c>problem=regression</c> the regression one.</summary>
    public Specs.PlaygroundGenerator Generator() => Problem == "regression"
        ? (RegDataset == "reg-gauss" ? Specs.PlaygroundGenerator.MultiGauss : Specs.PlaygroundGenerator.Plane)
        : Dataset switch { "xor" => Specs.PlaygroundGenerator.Xor, "gauss" => Specs.PlaygroundGenerator.Gauss, "spiral" => Specs.PlaygroundGenerator.Spiral, _ => Specs.PlaygroundGenerator.Circle };

    /// <summary>The inputs the URL turns on, in the page's order (x, y, x², y², xy, sin x, sin y).</summary>
    public List<Specs.InputFeature> Features()
    {
        var features = new List<Specs.InputFeature>();
        if (X) features.Add(Specs.InputFeature.X1);
        if (Y) features.Add(Specs.InputFeature.X2);
        if (XSquared) features.Add(Specs.InputFeature.X1Squared);
        if (YSquared) features.Add(Specs.InputFeature.X2Squared);
        if (XTimesY) features.Add(Specs.InputFeature.X1X2);
        if (SinX) features.Add(Specs.InputFeature.SinX1);
        if (SinY) features.Add(Specs.InputFeature.SinX2);
        return features;
    }

    private static readonly string[] UpstreamActivations = ["relu", "tanh", "sigmoid", "linear"];
    private static readonly string[] ForkActivations = [.. UpstreamActivations, "elu", "selu", "softplus", "softsign"];
    private static readonly string[] Regularizations = ["none", "L1", "L2"];
    private static readonly string[] Datasets = ["circle", "xor", "gauss", "spiral"];
    private static readonly string[] RegDatasets = ["reg-plane", "reg-gauss"];
    private static readonly string[] Problems = ["classification", "regression"];
    private static readonly string[] Losses = ["mse", "mae"];

    public static PlaygroundState Parse(string url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new PlaygroundUrlException("is not an http(s) URL");
        var site = uri.Host switch
        {
            "playground.tensorflow.org" => PlaygroundSite.TensorFlow,
            "deepinsider.github.io" when uri.AbsolutePath.StartsWith("/playground", StringComparison.Ordinal) => PlaygroundSite.DeepInsider,
            _ => throw new PlaygroundUrlException($"{uri.Host}{uri.AbsolutePath} is not TensorFlow Playground (playground.tensorflow.org) or its DeepInsider fork (deepinsider.github.io/playground)"),
        };

        // The playground splits the raw hash on '&' and then on '=', keeping the part after the first '='.
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        string hash = uri.Fragment.StartsWith('#') ? uri.Fragment[1..] : uri.Fragment;
        foreach (var pair in hash.Split('&'))
        {
            var parts = pair.Split('=');
            map[parts[0]] = parts.Length > 1 ? parts[1] : null;
        }
        bool Has(string name) => map.TryGetValue(name, out var v) && v is not null && v.Trim() != "";
        string? Choice(string name, string[] allowed) => Has(name) && allowed.Contains(map[name]) ? map[name] : null;
        double? Number(string name) => Has(name) ? JsNumber(map[name]!) : null;
        bool? Boolean(string name) => Has(name) ? map[name] != "false" : null;

        var defaults = new PlaygroundState();
        bool fork = site == PlaygroundSite.DeepInsider;
        return new PlaygroundState
        {
            Site = site,
            Activation = Choice("activation", fork ? ForkActivations : UpstreamActivations) ?? defaults.Activation,
            Regularization = Choice("regularization", Regularizations) is { } r ? (r == "none" ? null : r) : defaults.Regularization,
            BatchSize = Number("batchSize") ?? defaults.BatchSize,
            Dataset = Choice("dataset", Datasets) ?? defaults.Dataset,
            RegDataset = Choice("regDataset", RegDatasets) ?? defaults.RegDataset,
            LearningRate = Number("learningRate") ?? defaults.LearningRate,
            RegularizationRate = Number("regularizationRate") ?? defaults.RegularizationRate,
            Noise = Number("noise") ?? defaults.Noise,
            NetworkShape = map.TryGetValue("networkShape", out var shape)
                ? (string.IsNullOrWhiteSpace(shape) ? [] : shape.Split(',').Select(JsNumber).ToList())
                : defaults.NetworkShape,
            Seed = Has("seed") ? map["seed"] : null,
            PercTrainData = Number("percTrainData") ?? defaults.PercTrainData,
            X = Boolean("x") ?? defaults.X,
            Y = Boolean("y") ?? defaults.Y,
            XTimesY = Boolean("xTimesY") ?? defaults.XTimesY,
            XSquared = Boolean("xSquared") ?? defaults.XSquared,
            YSquared = Boolean("ySquared") ?? defaults.YSquared,
            SinX = Boolean("sinX") ?? defaults.SinX,
            SinY = Boolean("sinY") ?? defaults.SinY,
            Problem = Choice("problem", Problems) ?? defaults.Problem,
            InitZero = Boolean("initZero") ?? defaults.InitZero,
            Loss = fork ? Choice("loss", Losses) ?? defaults.Loss : defaults.Loss,
            BatchFull = fork && (Boolean("batchFull") ?? false),
            InitOrigin = fork && (Boolean("initOrigin") ?? false),
        };
    }

    /// <summary>JavaScript's unary plus on a string: trimmed decimal, hex, ±Infinity; "" is 0; anything else NaN.</summary>
    public static double JsNumber(string text)
    {
        string t = text.Trim();
        if (t.Length == 0) return 0;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.TryParse(t[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex) ? hex : double.NaN;
        return t switch
        {
            "Infinity" or "+Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ when t.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-') &&
                   double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
            _ => double.NaN,
        };
    }
}
