// Original file: proto/recflow/v1/kinds.proto


export interface Recommend {
  'modelId'?: (string);
  'userIds'?: (string)[];
  'allUsers'?: (boolean);
  'k'?: (number);
  'excludeSeen'?: (boolean);
  'allowItems'?: (string)[];
  'denyItems'?: (string)[];
  'alias'?: (string);
  '_excludeSeen'?: "excludeSeen";
}

export interface Recommend__Output {
  'modelId': (string);
  'userIds': (string)[];
  'allUsers': (boolean);
  'k': (number);
  'excludeSeen'?: (boolean);
  'allowItems': (string)[];
  'denyItems': (string)[];
  'alias': (string);
  '_excludeSeen'?: "excludeSeen";
}
