namespace Dojo.Domain.Jobs;

/// <summary>
/// How pixels were scaled for training: <c>(pixel − Offset) · Scale</c>, with pixels in 0…<see cref="PixelMax"/>.
/// Predictions scale their inputs the same way.
/// </summary>
public sealed record InputScaling(int[] SampleShape, float Offset, float Scale, int PixelMax);

/// <summary>
/// A classifier's test-set evaluation: the confusion matrix (rows: true class, columns: predicted), and per
/// class precision (of the predictions of that class, the share right) and recall (of that class's samples,
/// the share found); null where a class was never predicted (precision) or never present (recall).
/// </summary>
public sealed record Evaluation(IReadOnlyList<string> Classes, IReadOnlyList<IReadOnlyList<long>> Confusion,
    IReadOnlyList<double?> Precision, IReadOnlyList<double?> Recall, InputScaling? Input = null)
{
    public static Evaluation FromConfusion(IReadOnlyList<string> classes, long[,] confusion, InputScaling? input)
    {
        int k = classes.Count;
        var rows = Enumerable.Range(0, k).Select(t => (IReadOnlyList<long>)Enumerable.Range(0, k).Select(p => confusion[t, p]).ToArray()).ToArray();
        var precision = new double?[k];
        var recall = new double?[k];
        for (int c = 0; c < k; c++)
        {
            long predicted = 0, actual = 0;
            for (int o = 0; o < k; o++)
            {
                predicted += confusion[o, c];
                actual += confusion[c, o];
            }
            precision[c] = predicted == 0 ? null : (double)confusion[c, c] / predicted;
            recall[c] = actual == 0 ? null : (double)confusion[c, c] / actual;
        }
        return new Evaluation(classes, rows, precision, recall, input);
    }
}
