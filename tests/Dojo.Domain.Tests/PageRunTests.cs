using Dojo.Domain.Playground;

namespace Dojo.Domain.Tests;

/// <summary>
/// Playground URLs trained by <see cref="PageRun"/> against the page's own engine. The expected losses are what
/// tensorflow/playground's src/nn.ts and src/dataset.ts (run unmodified, outside this repository) print under node 20
/// (V8 11.3) with seedrandom 2.4.4 and d3 3.5.17, driven as src/playground.ts drives them — generateData, reset, then
/// oneStep per epoch — printed with JSON.stringify (every digit a double has). To regenerate: fetch those two files,
/// compile them to JavaScript, seed with seedrandom(seed, { global: true }), and print [getLoss(train), getLoss(test)]
/// after epochs 10, 100 and 500 for each fragment below.
/// </summary>
public sealed class PageRunTests
{
    [Theory]
    [InlineData("activation=tanh&batchSize=10&dataset=xor&regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.37934&percTrainData=50&x=true&y=true&problem=classification", 0.4678796381402151, 0.4496407853999009, 0.009722506811075851, 0.018464300744059345, 0.0006720427725707698, 0.004525624685468235)]
    [InlineData("dataset=spiral&activation=relu&learningRate=0.01&regularization=L2&regularizationRate=0.001&networkShape=8,8,5&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true&noise=10&seed=0.12345&batchSize=5", 0.4890853370766796, 0.5064240752748768, 0.31416063579420755, 0.4124969994491231, 0.01085127088651102, 0.1214447601937734)]
    [InlineData("dataset=circle&activation=sigmoid&regularization=L1&regularizationRate=0.003&learningRate=0.1&networkShape=3&seed=0.5&noise=20&batchSize=1", 0.5190671311499216, 0.5173792677759794, 0.5190338223348852, 0.5173482421448448, 0.5190338223348852, 0.5173482421448448)]
    [InlineData("dataset=gauss&activation=linear&batchSize=30&learningRate=0.003&networkShape=2&seed=abc&percTrainData=70&noise=35", 0.11259623290957575, 0.06696417268203574, 0.10339186818010422, 0.05233864569659495, 0.10106410008394659, 0.04666052395321104)]
    [InlineData("problem=regression&regDataset=reg-plane&activation=tanh&networkShape=4&learningRate=0.01&seed=0.9&noise=5", 0.004663384014203936, 0.004726386290938232, 0.001004997031557923, 0.0012059441228117389, 0.000436160154865306, 0.0005078972998999796)]
    [InlineData("problem=regression&regDataset=reg-gauss&activation=relu&networkShape=6,4&learningRate=0.03&seed=0.2&batchSize=20", 0.040594922306068065, 0.04636319120067977, 0.031102484581008956, 0.03566207147526358, 0.025008412893644052, 0.02825496880870438)]
    [InlineData("dataset=xor&initZero=true&seed=0.37934", 0.49995935334654285, 0.5001151640535044, 0.499959334638457, 0.500115224611232, 0.499959334638457, 0.500115224611232)]
    [InlineData("dataset=circle&x=false&xSquared=true&seed=0.7", 0.24246144218917404, 0.25163660090302614, 0.0024351812438747756, 0.004495540163739098, 0.00025983861671810505, 0.0007209246351988647)]
    [InlineData("dataset=xor&batchSize=0&seed=1", 0.5258835840300293, 0.5243779909395568, 0.5258835840300293, 0.5243779909395568, 0.5258835840300293, 0.5243779909395568)]
    [InlineData("dataset=xor&networkShape=4,0,2&seed=1", 0.4984380315494534, 0.4989631847259491, 0.49842042897368716, 0.498954698808669, 0.49837737289293227, 0.49893469214425895)]
    [InlineData("dataset=circle&noise=80&seed=0.3", 0.3758326349726771, 0.35945834234923635, 0.3747204438696896, 0.35807340909642593, 0.36578691099648536, 0.3559118085682957)]
    [InlineData("dataset=xor&batchSize=300&seed=0.4&learningRate=0.3", 0.5113207462214486, 0.5408237584650215, 0.5113207462214486, 0.5408237584650215, 0.5113207462214486, 0.5408237584650215)]
    [InlineData("dataset=spiral&activation=tanh&learningRate=0.03&regularization=L1&regularizationRate=0.01&networkShape=6,6&sinX=true&sinY=true&seed=0.77&batchSize=10", 0.47466618480762524, 0.4738741763746159, 0.475469340297647, 0.47536940067106553, 0.47253128426599816, 0.47584679195733026)]
    public void A_url_trains_to_the_pages_losses_to_the_last_bit(string fragment, double train10, double test10, double train100, double test100, double train500, double test500)
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#" + fragment);
        var run = new PageRun(state, state.Seed!);
        var losses = new List<double>();
        for (int epoch = 1; epoch <= 500; epoch++)
        {
            run.Epoch();
            if (epoch is 10 or 100 or 500) losses.AddRange([run.Train().Loss, run.Test().Loss]);
        }

        Assert.Equal([train10, test10, train100, test100, train500, test500], losses);
    }

    /// <summary>
    /// A run saved after some epoch and loaded into a fresh one (what a resumed job does) goes on exactly as the
    /// uninterrupted run: batches that do not divide the training set carry derivatives across the save, and L1 has
    /// killed links by then (whose own counts the save keeps).
    /// </summary>
    [Theory]
    [InlineData("dataset=spiral&activation=tanh&learningRate=0.03&regularization=L1&regularizationRate=0.03&networkShape=6,6&sinX=true&sinY=true&seed=0.77&batchSize=30", 37)]
    [InlineData("dataset=circle&activation=relu&regularization=L1&regularizationRate=0.01&learningRate=0.1&networkShape=5,3&seed=0.5&noise=20&batchSize=7", 12)]
    [InlineData("dataset=gauss&activation=tanh&learningRate=0.03&networkShape=4,2&seed=0.3&batchSize=3", 25)]
    public void A_run_saved_and_loaded_goes_on_as_the_uninterrupted_one(string fragment, int savedAfter)
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#" + fragment);
        var uninterrupted = new PageRun(state, state.Seed!);
        var interrupted = new PageRun(state, state.Seed!);
        var (expected, actual) = (new List<string>(), new List<string>());
        for (int epoch = 1; epoch <= 120; epoch++)
        {
            uninterrupted.Epoch();
            expected.Add($"{epoch} {uninterrupted.Train().Loss:R} {uninterrupted.Test().Loss:R}");
            interrupted.Epoch();
            if (epoch == savedAfter)
            {
                using var saved = new MemoryStream();
                using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) interrupted.Network.Save(writer);
                interrupted = new PageRun(state, state.Seed!);
                saved.Position = 0;
                using var reader = new BinaryReader(saved);
                interrupted.Network.Load(reader);
            }
            actual.Add($"{epoch} {interrupted.Train().Loss:R} {interrupted.Test().Loss:R}");
        }
        Assert.Equal(expected, actual);
    }
}
