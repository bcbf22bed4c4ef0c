// The playground page's own engine under node, for bench/run.sh --playground: loads tensorflow/playground's
// src/nn.ts and src/dataset.ts compiled to JavaScript (nn.js, dataset.js; not part of Dojo — give their folder as
// PLAYGROUND_PAGE) and drives them as src/playground.ts does (generateData, reset, oneStep, getLoss).
// Prints {"ms": <time of the epochs>, "train": <loss>, "test": <loss>} for: node page-run.js '<url fragment>' <epochs>
const path = require('path');
const page = process.env.PLAYGROUND_PAGE;
if (!page) { console.error('set PLAYGROUND_PAGE to the folder holding the page\'s nn.js and dataset.js'); process.exit(2); }
const seedrandom = require(require.resolve('seedrandom', { paths: [page, process.cwd()] }));
const nn = require(path.join(page, 'nn.js'));
const ds = require(path.join(page, 'dataset.js'));
const map = {}; for (const pair of process.argv[2].split('&')) { const p = pair.split('='); map[p[0]] = p[1]; }
const epochs = +process.argv[3];
const num = (k, d) => (map[k] !== undefined && map[k] !== '' ? +map[k] : d);
const bool = (k, d) => (map[k] !== undefined && map[k] !== '' ? map[k] !== 'false' : d);
const state = {
  activation: { relu: nn.Activations.RELU, tanh: nn.Activations.TANH, sigmoid: nn.Activations.SIGMOID, linear: nn.Activations.LINEAR }[map.activation || 'tanh'],
  regularization: { none: null, L1: nn.RegularizationFunction.L1, L2: nn.RegularizationFunction.L2 }[map.regularization || 'none'],
  batchSize: num('batchSize', 10), learningRate: num('learningRate', 0.03), regularizationRate: num('regularizationRate', 0),
  noise: num('noise', 0), percTrainData: num('percTrainData', 50), seed: map.seed,
  networkShape: map.networkShape === undefined ? [4, 2] : (map.networkShape === '' ? [] : map.networkShape.split(',').map(Number)),
  problem: map.problem || 'classification', initZero: bool('initZero', false),
  dataset: { circle: ds.classifyCircleData, xor: ds.classifyXORData, gauss: ds.classifyTwoGaussData, spiral: ds.classifySpiralData }[map.dataset || 'circle'],
  regDataset: { 'reg-plane': ds.regressPlane, 'reg-gauss': ds.regressGaussian }[map.regDataset || 'reg-plane'],
  x: bool('x', true), y: bool('y', true), xSquared: bool('xSquared', false), ySquared: bool('ySquared', false),
  xTimesY: bool('xTimesY', false), sinX: bool('sinX', false), sinY: bool('sinY', false),
};
const INPUTS = { x: (x, y) => x, y: (x, y) => y, xSquared: (x, y) => x * x, ySquared: (x, y) => y * y, xTimesY: (x, y) => x * y, sinX: (x, y) => Math.sin(x), sinY: (x, y) => Math.sin(y) };
const constructInput = (x, y) => { const input = []; for (const name in INPUTS) if (state[name]) input.push(INPUTS[name](x, y)); return input; };
const inputIds = () => Object.keys(INPUTS).filter(name => state[name]);
seedrandom(state.seed, { global: true });
const data = (state.problem == 'classification' ? state.dataset : state.regDataset)(state.problem == 'regression' ? 1200 : 500, state.noise / 100);
ds.shuffle(data);
const split = Math.floor(data.length * state.percTrainData / 100);
const train = data.slice(0, split), test = data.slice(split);
const network = nn.buildNetwork([constructInput(0, 0).length].concat(state.networkShape).concat([1]), state.activation,
  state.problem == 'regression' ? nn.Activations.LINEAR : nn.Activations.TANH, state.regularization, inputIds(), state.initZero);
const getLoss = points => { let loss = 0; for (const p of points) loss += nn.Errors.SQUARE.error(nn.forwardProp(network, constructInput(p.x, p.y)), p.label); return loss / points.length; };
let losses;
const start = process.hrtime.bigint();
for (let e = 1; e <= epochs; e++) {
  train.forEach((point, i) => {
    nn.forwardProp(network, constructInput(point.x, point.y));
    nn.backProp(network, point.label, nn.Errors.SQUARE);
    if ((i + 1) % state.batchSize === 0) nn.updateWeights(network, state.learningRate, state.regularizationRate);
  });
  losses = [getLoss(train), getLoss(test)];
}
console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - start) / 1e6, train: losses[0], test: losses[1] }));
