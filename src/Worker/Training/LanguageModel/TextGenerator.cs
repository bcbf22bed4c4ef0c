using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.LanguageModel;

/// <summary>
/// Writes text with a trained character model, one character at a time: the last <c>context</c> characters (at most the
/// training sequence length: what the network learnt to read from a zero state) go in, the last step's scores divided
/// by the temperature become probabilities, and the next character is drawn from them with the caller's generator
/// (temperature 0: the likeliest one). The same code writes the per-epoch samples and answers the generate endpoint.
/// </summary>
public static class TextGenerator
{
    public static string Write(nn.Module<Tensor, Tensor> net, string alphabet, string prompt, int length, double temperature, int context, Random random, Device? device = null)
    {
        var tokens = prompt.Select(c => (long)alphabet.IndexOf(c)).ToList();
        var written = new StringBuilder(prompt, prompt.Length + length);
        var probabilities = new double[alphabet.Length];
        using var _ = no_grad();
        net.eval();
        for (int i = 0; i < length; i++)
        {
            int from = Math.Max(0, tokens.Count - context);
            float[] scores;
            using (var scope = NewDisposeScope())
            {
                var window = tensor(tokens.GetRange(from, tokens.Count - from).ToArray(), [1, tokens.Count - from], device: device);
                scores = net.forward(window).select(1, -1).cpu().data<float>().ToArray(); // [1, vocabulary] → the last step's
            }
            int next = Choose(scores, temperature, probabilities, random);
            tokens.Add(next);
            written.Append(alphabet[next]);
        }
        return written.ToString();
    }

    /// <summary>A softmax of scores / temperature, sampled (in double, in index order: the same draw on any machine for the same scores).</summary>
    private static int Choose(float[] scores, double temperature, double[] probabilities, Random random)
    {
        if (temperature == 0) return Array.IndexOf(scores, scores.Max());
        double max = scores.Max(), sum = 0;
        for (int k = 0; k < scores.Length; k++) sum += probabilities[k] = Math.Exp((scores[k] - max) / temperature);
        double draw = random.NextDouble() * sum;
        for (int k = 0; k < scores.Length; k++)
            if ((draw -= probabilities[k]) < 0) return k;
        return scores.Length - 1;
    }
}
