using Dojo.Domain.Exercises;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class PlaygroundGradingTests
{
    private static readonly PlaygroundGradingRule Rule = PlaygroundGradingRule.Exercise1;
    private static readonly DatasetRequirement Xor = Rule.Requirements[0];

    private static RunResult Run(double? accuracy, double? loss = 0.1, string? problem = null) => new(Guid.NewGuid(), 1, accuracy, loss, problem);

    [Fact]
    public void Passes_when_the_mean_over_seeds_meets_the_threshold()
    {
        var grade = Rule.Grade(Xor, [Run(0.99), Run(0.94), Run(0.97)]);
        Assert.True(grade.Passed);
        Assert.Equal(0.9666, grade.MeanTestAccuracy!.Value, 3);
        Assert.Null(grade.Reason);
    }

    [Fact]
    public void Fails_below_the_threshold_saying_by_what()
    {
        var grade = Rule.Grade(Xor, [Run(0.60), Run(0.55)]);
        Assert.False(grade.Passed);
        Assert.Contains("below 0.950", grade.Reason);
    }

    [Fact]
    public void A_run_without_results_fails_the_data_set()
    {
        var grade = Rule.Grade(Xor, [Run(0.99), Run(null, null, "diverged: loss became NaN")]);
        Assert.False(grade.Passed);
        Assert.Contains("diverged", grade.Reason);
        Assert.False(Rule.Grade(Xor, []).Passed);
    }

    [Fact]
    public void Loss_thresholds_are_checked_too()
    {
        var rule = new PlaygroundGradingRule([new DatasetRequirement(PlaygroundGenerator.Plane, MaxTestLoss: 0.01)]);
        Assert.True(rule.Grade(rule.Requirements[0], [Run(null, 0.005)]).Passed);
        Assert.Contains("above 0.0100", rule.Grade(rule.Requirements[0], [Run(null, 0.02)]).Reason);
    }
}
