-- The qualification catalogue: what the office registers and what each
-- procedure costs. Handlers read it; nothing hard-codes a fee.
CREATE TABLE qualifications
(
    code               text PRIMARY KEY,
    name_ja            text    NOT NULL,
    name_en            text    NOT NULL,
    ministry           text    NOT NULL,
    registers_domicile boolean NOT NULL
);

CREATE TABLE qualification_procedures
(
    qualification_code    text    NOT NULL REFERENCES qualifications (code),
    procedure             text    NOT NULL CHECK (procedure IN ('NEW_REGISTRATION', 'CHANGE_NAME',
        'CHANGE_ADDRESS', 'CHANGE_DOMICILE', 'REISSUE_CERTIFICATE', 'DELETE_REGISTRATION')),
    licence_tax           bigint  NOT NULL CHECK (licence_tax >= 0),
    handling_fee          bigint  NOT NULL CHECK (handling_fee >= 0),
    service_standard_days integer NOT NULL CHECK (service_standard_days > 0),
    PRIMARY KEY (qualification_code, procedure)
);

INSERT INTO qualifications (code, name_ja, name_en, ministry, registers_domicile)
VALUES ('CARE_WORKER', '介護福祉士', 'Certified Care Worker', 'Ministry of Health, Labour and Welfare', true),
       ('SOCIAL_WORKER', '社会福祉士', 'Certified Social Worker', 'Ministry of Health, Labour and Welfare', true),
       ('PSYCHIATRIC_SOCIAL_WORKER', '精神保健福祉士', 'Psychiatric Social Worker',
        'Ministry of Health, Labour and Welfare', true),
       ('CERTIFIED_PSYCHOLOGIST', '公認心理師', 'Certified Public Psychologist',
        'Ministry of Education, Culture, Sports, Science and Technology; Ministry of Health, Labour and Welfare', true),
       ('NURSERY_TEACHER', '保育士', 'Nursery Teacher', 'Children and Families Agency', true),
       ('CARE_MANAGER', '介護支援専門員', 'Care Manager', 'Ministry of Health, Labour and Welfare', false);

INSERT INTO qualification_procedures (qualification_code, procedure, licence_tax, handling_fee, service_standard_days)
VALUES ('CARE_WORKER', 'NEW_REGISTRATION', 9000, 3320, 30),
       ('SOCIAL_WORKER', 'NEW_REGISTRATION', 15000, 4050, 30),
       ('PSYCHIATRIC_SOCIAL_WORKER', 'NEW_REGISTRATION', 15000, 4050, 30),
       ('CERTIFIED_PSYCHOLOGIST', 'NEW_REGISTRATION', 15000, 4050, 30),
       ('NURSERY_TEACHER', 'NEW_REGISTRATION', 0, 4200, 60),
       ('CARE_MANAGER', 'NEW_REGISTRATION', 0, 3000, 30);

-- Change procedures cost the same for every qualification.
INSERT INTO qualification_procedures (qualification_code, procedure, licence_tax, handling_fee, service_standard_days)
SELECT q.code, p.procedure, 0, p.fee, p.days
FROM qualifications q
         CROSS JOIN (VALUES ('CHANGE_NAME', 500, 20),
                            ('CHANGE_ADDRESS', 0, 20),
                            ('CHANGE_DOMICILE', 500, 20),
                            ('REISSUE_CERTIFICATE', 1200, 20),
                            ('DELETE_REGISTRATION', 0, 20)) AS p(procedure, fee, days)
WHERE p.procedure <> 'CHANGE_DOMICILE' OR q.registers_domicile;
