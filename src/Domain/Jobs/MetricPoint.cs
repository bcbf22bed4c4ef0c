namespace Dojo.Domain.Jobs;

/// <summary>
/// One recorded value of a job. <see cref="Seq"/> numbers a job's points from 1 with no gaps. A text point (a language
/// model's generated sample) carries its <see cref="Text"/>, with its length in characters as the value.
/// </summary>
public sealed record MetricPoint(Guid JobId, long Seq, int Epoch, long Step, string Name, double Value, DateTime Timestamp, string? Text = null);

/// <summary>The names of the metrics Dojo records.</summary>
public static class MetricNames
{
    public const string Loss = "loss";
    public const string ValLoss = "val_loss";
    public const string Accuracy = "accuracy";
    public const string ValAccuracy = "val_accuracy";
    public const string TestLoss = "test_loss";
    public const string TestAccuracy = "test_accuracy";
    /// <summary>At the end, the training set evaluated as the test set is (eval mode: no dropout): the train–test gap.</summary>
    public const string TrainLoss = "train_loss";
    public const string TrainAccuracy = "train_accuracy";
    public const string SamplesPerSec = "samples_per_sec";
}
