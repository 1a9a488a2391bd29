import { z } from 'zod';
import { TOXIC_TYPES, defaultAttributes, explainToxic, toxicDefinition, type ToxicLevel, type ToxicType } from './toxic-types.js';

/** One toxic type as `GET /toxic-types` lists it: enough to build a form for it and check it. */
export interface ToxicTypeJson {
  type: ToxicType;
  level: ToxicLevel;
  /** Attributes a client must give for the toxic to mean anything. */
  required: string[];
  /** The explanation of the toxic with every attribute at its default. */
  explanation: string;
  /** JSON Schema (draft 2020-12) of the attributes, with each one's description and default. */
  schema: object;
}

/**
 * Every toxic type with its attribute schema, generated from the same definitions the server
 * validates with: a type added to the registry appears in the dashboard's forms (or any other
 * client's) without further work.
 */
export function toxicTypesJson(): ToxicTypeJson[] {
  return TOXIC_TYPES.map((type) => {
    const def = toxicDefinition(type);
    return {
      type,
      level: def.level,
      required: [...def.required],
      explanation: explainToxic(type, defaultAttributes(type)),
      schema: z.toJSONSchema(def.attributes, { io: 'input', unrepresentable: 'any' }),
    };
  });
}
