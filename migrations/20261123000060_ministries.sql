-- Ministries by a stable code, and which of them supervise each qualification
-- (the certified psychologist has two). Ministry clients and the event feed
-- are scoped by these codes.
CREATE TABLE ministries (
    code    text PRIMARY KEY,
    name_ja text NOT NULL,
    name_en text NOT NULL
);

INSERT INTO ministries (code, name_ja, name_en)
VALUES ('MHLW', '厚生労働省', 'Ministry of Health, Labour and Welfare'),
       ('MEXT', '文部科学省', 'Ministry of Education, Culture, Sports, Science and Technology'),
       ('CFA', 'こども家庭庁', 'Children and Families Agency');

CREATE TABLE qualification_ministries (
    qualification_code text NOT NULL REFERENCES qualifications (code),
    ministry_code      text NOT NULL REFERENCES ministries (code),
    PRIMARY KEY (qualification_code, ministry_code)
);

INSERT INTO qualification_ministries (qualification_code, ministry_code)
VALUES ('CARE_WORKER', 'MHLW'),
       ('SOCIAL_WORKER', 'MHLW'),
       ('PSYCHIATRIC_SOCIAL_WORKER', 'MHLW'),
       ('CERTIFIED_PSYCHOLOGIST', 'MEXT'),
       ('CERTIFIED_PSYCHOLOGIST', 'MHLW'),
       ('NURSERY_TEACHER', 'CFA'),
       ('CARE_MANAGER', 'MHLW');
