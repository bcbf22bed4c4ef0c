namespace Dojo.Domain.Specs;

/// <summary>Activation functions of the course plus the TensorFlow Playground's extras.</summary>
public enum ActivationFunction { Step, Sigmoid, Tanh, Relu, Identity, Softmax, Elu, Selu, Softplus, Softsign, LeakyRelu }

/// <summary>Losses. <c>HalfMse</c> is ½(o − t)², TensorFlow Playground's square loss (half the gradient of <c>Mse</c>).</summary>
public enum LossFunction { Mse, Mae, CrossEntropy, BinaryCrossEntropy, Huber, HalfMse }

public enum OptimizerKind { Sgd, Momentum, Adagrad, Rmsprop, Adam }

/// <summary>
/// Weight initialisations. <c>Playground</c> is TensorFlow Playground's: each weight U(−0.5, 0.5) drawn,
/// node by node, from the data set's random stream right after the data (biases 0.1).
/// </summary>
public enum InitKind { Normal, Xavier, He, Zeros, Uniform, Playground }

public enum InitDistribution { Normal, Uniform }

public enum PlaygroundGenerator { Circle, Xor, Gauss, Spiral, Plane, MultiGauss }

public enum InputFeature { X1, X2, X1Squared, X2Squared, X1X2, SinX1, SinX2 }

public static class PlaygroundGenerators
{
    public static bool IsRegression(this PlaygroundGenerator generator) =>
        generator is PlaygroundGenerator.Plane or PlaygroundGenerator.MultiGauss;
}
