export * from './attributes';
export * from './render';
export * from './dataset';
export { ANIME_HAIR_COLORS, ANIME_EYE_COLORS } from './anime';
export { FACE_SKIN_COLORS, FACE_HAIR_COLORS, FACE_EYE_COLORS } from './face';
