/**
 * The pretrained MNIST model shipped in public/ (made by `npm run pretrain`).
 * Paths are relative to the app's base URL, like the built-in digits.
 */
export const PRETRAINED_MODEL_PATH = 'models/mnist-pixelcnn.json';
export const PRETRAINED_CARD_PATH = 'models/mnist-pixelcnn.card.json';
