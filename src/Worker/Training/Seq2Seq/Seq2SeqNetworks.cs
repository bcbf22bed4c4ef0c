using Dojo.Domain.Kinds.Seq2Seq;
using Dojo.Domain.Specs;
using Dojo.Worker.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Seq2Seq;

/// <summary>Reads an input's tokens [batch, steps] and gives each cell's last state: what starts the decoder.</summary>
public sealed class Encoder : nn.Module
{
    private readonly Embedding _embedding;
    private readonly Recurrent _recurrent;

    public Encoder(Seq2SeqModelSpec spec, int vocabulary, NetworkInit init) : base(nameof(Encoder))
    {
        register_module("embedding", _embedding = nn.Embedding(vocabulary, spec.EmbeddingSize));
        register_module("recurrent", _recurrent = new Recurrent(spec.Recurrent(), spec.EmbeddingSize, init.Dropout));
        Seq2SeqNetworks.Initialize(_embedding, _recurrent, spec, init);
    }

    public IReadOnlyList<CellState> Forward(Tensor tokens) => _recurrent.Run(_embedding.forward(tokens), null).States;
}

/// <summary>From a state and the previous tokens [batch, steps], scores [batch, steps, vocabulary] for the next ones, and the state after them.</summary>
public sealed class Decoder : nn.Module
{
    private readonly Embedding _embedding;
    private readonly Recurrent _recurrent;
    private readonly Linear _scores;

    public Decoder(Seq2SeqModelSpec spec, int vocabulary, NetworkInit init) : base(nameof(Decoder))
    {
        register_module("embedding", _embedding = nn.Embedding(vocabulary, spec.EmbeddingSize));
        register_module("recurrent", _recurrent = new Recurrent(spec.Recurrent(), spec.EmbeddingSize, init.Dropout));
        register_module("scores", _scores = nn.Linear(spec.HiddenSize, vocabulary));
        Seq2SeqNetworks.Initialize(_embedding, _recurrent, spec, init);
        ModelBuilder.Initialize(_scores.weight!, _scores.bias, InitSpec.Default, init);
    }

    public Tensor ScoresWeight => _scores.weight!;

    public (Tensor Scores, IReadOnlyList<CellState> States) Forward(Tensor tokens, IReadOnlyList<CellState> states)
    {
        var (output, next) = _recurrent.Run(_embedding.forward(tokens), states);
        return (_scores.forward(output), next);
    }
}

/// <summary>
/// The two networks of a seq2seq job, built from the model spec, and the loops every use of them shares: teacher-forced
/// or step-by-step decoding in training, greedy decoding in evaluation and for answers.
/// </summary>
public sealed class Seq2SeqNetworks : IDisposable
{
    /// <summary>The start token as a held Scalar (see <see cref="Held"/>).</summary>
    private static readonly Scalar StartToken = Seq2SeqSpec.Start;

    public Seq2SeqNetworks(Seq2SeqModelSpec spec, int vocabulary, int answerLength, NetworkInit init)
    {
        Encoder = new Encoder(spec, vocabulary, init);
        Decoder = new Decoder(spec, vocabulary, init);
        AnswerLength = answerLength;
    }

    public Encoder Encoder { get; }
    public Decoder Decoder { get; }

    /// <summary>The decoder's steps: the longest answer and its end token.</summary>
    public int AnswerLength { get; }

    /// <summary>The weight matrices L1/L2 penalise: both embeddings, every cell's, the scoring layer's.</summary>
    public IReadOnlyList<Tensor> Weights() =>
        new nn.Module[] { Encoder, Decoder }.SelectMany(m => m.named_parameters())
            .Where(p => p.name.EndsWith("weight", StringComparison.Ordinal) || p.name.Contains(".weight_", StringComparison.Ordinal))
            .Select(p => (Tensor)p.parameter).ToList();

    public void Train(bool training)
    {
        Encoder.train(training);
        Decoder.train(training);
    }

    /// <summary>
    /// Scores [batch, answer length, vocabulary] for the targets: with <paramref name="teacherForcing"/> always (1), the
    /// true previous tokens in one pass; otherwise step by step, each step fed the true previous token when
    /// <paramref name="coin"/> says so, else the decoder's own guess.
    /// </summary>
    public Tensor Scores(Tensor inputs, Tensor targets, double teacherForcing, Random? coin)
    {
        var states = Encoder.Forward(inputs);
        using var start = full(targets.shape[0], 1, StartToken, dtype: ScalarType.Int64, device: targets.device);
        if (teacherForcing >= 1)
        {
            var previous = cat([start, targets.narrow(1, 0, AnswerLength - 1)], 1);
            return Decoder.Forward(previous, states).Scores;
        }
        var steps = new List<Tensor>(AnswerLength);
        var token = start.alias();
        for (int t = 0; t < AnswerLength; t++)
        {
            var (scores, next) = Decoder.Forward(token, states);
            steps.Add(scores);
            states = next;
            token = (coin ?? throw new ArgumentNullException(nameof(coin))).NextDouble() < teacherForcing ? targets.narrow(1, t, 1) : scores.argmax(-1).detach();
        }
        return cat(steps, 1);
    }

    /// <summary>The greedy answers' tokens [batch, answer length]: each step's likeliest token fed back as the next input.</summary>
    public Tensor Greedy(Tensor inputs)
    {
        var states = Encoder.Forward(inputs);
        var token = full(inputs.shape[0], 1, StartToken, dtype: ScalarType.Int64, device: inputs.device);
        var tokens = new List<Tensor>(AnswerLength);
        for (int t = 0; t < AnswerLength; t++)
        {
            var (scores, next) = Decoder.Forward(token, states);
            states = next;
            token = scores.argmax(-1);
            tokens.Add(token);
        }
        return cat(tokens, 1);
    }

    /// <summary>Embedding N(0, 1) and cells as PyTorch starts them (U(±1/√hidden)), all from the job's generator.</summary>
    internal static void Initialize(Embedding embedding, Recurrent recurrent, Seq2SeqModelSpec spec, NetworkInit init)
    {
        ModelBuilder.InitializeEmbedding(embedding, null, init);
        ModelBuilder.InitializeRecurrent(recurrent, null, 1 / Math.Sqrt(spec.HiddenSize), init);
    }

    public void Dispose()
    {
        Encoder.Dispose();
        Decoder.Dispose();
    }
}
