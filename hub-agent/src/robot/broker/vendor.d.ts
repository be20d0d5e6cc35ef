// Types for the few members of qlobber the broker persistence uses (it ships none).
declare module 'qlobber/aedes/qlobber-sub.js' {
  export default class QlobberSub {
    constructor(options: object);
    add(topic: string, sub: object): void;
    remove(topic: string, sub: { clientId: string; topic: string }): void;
    match(topic: string): {
      clientId: string;
      topic: string;
      qos: number;
      rh?: number;
      rap?: boolean;
      nl?: boolean;
    }[];
    readonly subscriptionsCount: number;
  }
}
declare module 'qlobber' {
  export class QlobberTrue {
    constructor(options: object);
    add(topic: string): void;
    test(topic: string): boolean;
  }
}
