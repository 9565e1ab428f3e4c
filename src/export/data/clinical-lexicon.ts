/**
 * Capitalised words of clinical notes that are not names of people: sentence openers, headings,
 * units, places of care, drug brands (COMMON_WORDS), and the eponyms of medicine (EPONYMS: Parkinson,
 * Foley, Apgar...), typed from general clinical vocabulary. The scrubber never takes a COMMON word for
 * a name and takes an eponym for one only with a person cue (title, relation) - HIPAA 164.514(b)(2)
 * wants names gone, the statistician wants "Foley catheter" kept.
 */
const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

export const COMMON_WORDS = words(`
A An The This That These Those There Here It Its He She His Her Him They Them Their We Our Us You Your I Me My
And Or But Nor So Yet If Then Else When While Where Whereas Because Since Although Though Unless Until After
Before During Upon Per Of In On At By For From To With Without Within Into Onto Over Under Via About Above
Below Between Among Against Through Throughout Across Along Around Near Not No Yes None All Any Each Every
Some Most Many Much More Less Few Several Both Either Neither Other Another Same Such Only Also Again Still
Now Today Tonight Yesterday Tomorrow Currently Recently Previously Initially Subsequently Later Overall
Patient Patients Pt Subject Participant Client Family Pts Case Cases Denies Denied Reports Reported States
Stated Admits Complains Presents Presented Presenting Noted Notes Note Seen Saw Sees Was Were Is Are Be Been
Has Had Have Having Do Does Did Done Will Would Should Could Can May Might Must Shall Please Follow Followed
Continue Continued Start Started Stop Stopped Hold Held Resume Resumed Increase Increased Decrease Decreased
Discontinue Discontinued Give Given Take Taken Check Checked Repeat Repeated Order Ordered Obtain Obtained
Consider Considered Recommend Recommended Refer Referred Return Returned Call Called Discuss Discussed
Review Reviewed Monitor Monitored Admit Admitted Discharge Discharged Transfer Transferred Tolerated
Tolerating Ambulating Afebrile Alert Oriented Awake Stable Unchanged Improved Improving Worsening Resolved
Negative Positive Normal Abnormal Mild Moderate Severe Acute Chronic Bilateral Left Right Upper Lower
Anterior Posterior Lateral Medial Proximal Distal Total Partial Primary Secondary Final Initial Interval
History Past Medical Surgical Social Family Physical Exam Examination Review Systems System Assessment Plan
Impression Diagnosis Diagnoses Differential Chief Complaint Present Illness Medications Medication Meds
Allergies Allergy Vitals Vital Signs Sign Labs Lab Laboratory Results Result Imaging Radiology Findings
Finding Procedure Procedures Operative Operation Postoperative Preoperative Post Pre Op Course Hospital
Clinic Clinical Center Centre Department Unit Ward Floor Room Bed Emergency Intensive Care Critical Urgent
General Memorial Regional Community University Medical Health Healthcare Services Service Nursing Home
Rehabilitation Rehab Hospice Pharmacy Office Outpatient Inpatient Telehealth Telephone Phone Visit Visits
Encounter Consult Consultation Referral Follow-up Followup Appointment Schedule Scheduled Screening Baseline
Week Weeks Day Days Month Months Year Years Hour Hours Minute Minutes Daily Weekly Monthly Nightly Morning
Evening Night Afternoon Noon Midnight Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
February March April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug
Sep Sept Oct Nov Dec Spring Summer Autumn Fall Winter Type Stage Grade Class Level Score Scale Index Test
Tests Study Trial Protocol Arm Cohort Phase Cycle Dose Doses Adverse Event Events Serious Concomitant
Informed Consent Consented Eligible Eligibility Inclusion Exclusion Criteria Randomized Randomised Blinded
Placebo Investigator Sponsor Monitor Coordinator Site Sites Visit Data Form Forms Source Document Blood
Pressure Heart Rate Respiratory Temperature Pulse Oxygen Saturation Weight Height Pain Fever Cough Chest
Abdomen Abdominal Head Neck Back Skin Eyes Ears Nose Throat Mouth Lungs Lung Heart Cardiac Cardiovascular
Pulmonary Renal Kidney Liver Hepatic Neurologic Neurological Neuro Psychiatric Psych Musculoskeletal
Extremities Extremity Genitourinary Gastrointestinal Endocrine Hematologic Oncology Cardiology Neurology
Nephrology Pulmonology Gastroenterology Dermatology Psychiatry Pediatrics Obstetrics Gynecology Surgery
Orthopedics Urology Radiology Anesthesia Internal Medicine Primary Nurse Nurses Physician Physicians Doctor
Provider Providers Attending Resident Fellow Intern Staff Team Therapist Therapy Social Worker Case Manager
Chaplain Pharmacist Dietitian Technician Tech Diabetes Diabetic Hypertension Hypertensive Asthma Cancer
Carcinoma Tumor Mass Lesion Infection Pneumonia Sepsis Stroke Seizure Seizures Disease Disorder Syndrome
Failure Injury Fracture Wound Ulcer Rash Edema Anemia Obesity Depression Anxiety Dementia Delirium
Insulin Metformin Lisinopril Aspirin Heparin Warfarin Tylenol Advil Motrin Lasix Coumadin Lipitor Zoloft
Prozac Xanax Ativan Keppra Dilantin Norco Vicodin Percocet Dilaudid Morphine Zofran Protonix Nexium Prilosec
Plavix Eliquis Xarelto Januvia Lantus Humalog Novolog Synthroid Prednisone Solumedrol Toradol Benadryl
Flagyl Cipro Levaquin Zosyn Vancomycin Rocephin Augmentin Keflex Bactrim Zithromax Albuterol Ventolin
Advair Spiriva Singulair Flonase Claritin Zyrtec Tums Miralax Colace Senna Dulcolax Ensure Pedialyte
Tdap Covid COVID Influenza Hepatitis Human Immunodeficiency Virus Positive Emergency Medical Services Ambulance
Continue Good Fair Poor Well Better Worse Likely Unlikely Possible Probable Suspected Known Unknown New Old
Ultrasound Echo Echocardiogram Electrocardiogram Catheter Catheterization Biopsy Endoscopy Colonoscopy
Scan Study Sonogram Mammogram Xray Radiograph Magnetic Resonance Computed Tomography Contrast Saline
Intravenous Oral Topical Subcutaneous Intramuscular Sublingual Inhaled Tablet Tablets Capsule Capsules
Injection Infusion Drip Pump Patch Cream Ointment Solution Suspension Spray Drops Lotion Gel Syrup
Signed Electronically Dictated Transcribed Attested Cosigned Verified Approved Reviewed Witnessed Mr Mrs Ms
Dr Drs Prof Miss Sr Jr Mx Doctor Nurse Sister Brother Mother Father Wife Husband Son Daughter Spouse Partner
Friend Neighbor Caregiver Guardian Aunt Uncle Grandmother Grandfather Niece Nephew Cousin Boyfriend Girlfriend
Mom Dad Parent Parents Child Children Baby Infant Newborn Male Female Man Woman Boy Girl Adult Elderly
Married Single Divorced Widowed Lives Living Alone Independent Retired Employed Unemployed Smoker Nonsmoker
Tobacco Alcohol Drugs Drug Illicit Substance Use Exercise Diet Sleep Appetite Mood Affect Cognition Memory
Gait Balance Strength Sensation Reflexes Speech Vision Hearing Nausea Vomiting Diarrhea Constipation
Dizziness Fatigue Weakness Numbness Tingling Headache Shortness Breath Palpitations Syncope Wheezing
American English Spanish Hispanic Latino Asian African Caucasian Native Pacific Islander
Medicare Medicaid Insurance Private Self Pay Veterans Affairs Army Navy Air Force Marine Marines National
North South East West Northern Southern Eastern Western Central Street Avenue Road Lane Drive Boulevard
Court Place Way Suite Apt Apartment Box Zip County City State States United Kingdom Canada Mexico
Coma Mini Mental Status Cognitive Assessment Questionnaire Inventory Depression Rating Health Patient Global
Impression Severity Performance Status Functional Activities Living Daily Quality Life Short Form Brief
`);

export const EPONYMS = words(`
Parkinson Parkinsonian Alzheimer Foley Apgar Crohn Hodgkin Cushing Addison Graves Hashimoto Wilson Huntington
Tourette Down Asperger Bell Barrett Kaposi Raynaud Marfan Guillain Barre Sjogren Kawasaki Lyme Epstein Barr
Glasgow Babinski Murphy McBurney Homan Homans Romberg Kernig Brudzinski Trendelenburg Valsalva Heimlich Swan
Ganz Whipple Nissen Roux Hartmann Billroth Kocher Pfannenstiel Gleason Breslow Clark Bishop Snellen Weber
Rinne Tinel Phalen Finkelstein Lachman McMurray Gram Ziehl Neelsen Giemsa Papanicolaou Pap Holter Doppler
Coombs Mantoux Fontan Glenn Norwood Fallot Eisenmenger Ebstein Wolff Parkinson Brugada Mobitz Wenckebach
Prinzmetal Takotsubo Dressler Kussmaul Cheyne Stokes Virchow Korotkoff Levine Starling Osler Janeway Roth
Argyll Horner Adie Charcot Lambert Eaton Dupuytren Peyronie Paget Colles Barton Monteggia Galeazzi Bennett
Salter Legg Calve Perthes Osgood Schlatter Morton Achilles Bartholin Skene Cowper Fallopian Wharton Stensen
Meckel Hirschsprung Zenker Mallory Weiss Boerhaave Schatzki Plummer Vinson Zollinger Ellison Budd Chiari
Gilbert Dubin Reye Henoch Schonlein Wegener Churg Strauss Takayasu Buerger Behcet Felty Reiter Goodpasture
Alport Fanconi Bartter Gitelman Liddle Conn Sheehan Turner Klinefelter Noonan Prader Willi Angelman DiGeorge
Wiskott Aldrich Bruton Gaucher Niemann Pick Tay Sachs Fabry Krabbe Hurler Pompe McArdle Duchenne Becker
Friedreich Wernicke Korsakoff Broca Ramsay Lhermitte Uhthoff Sequard Dandy Creutzfeldt Jakob Lewy Binswanger
Jacksonian Lennox Gastaut Rett Sturge Hippel Lindau Ranson Mallampati Cormack Lehane Braden Karnofsky Zubrod
Tanner Ballard Dubowitz Bayley Likert Folstein Rankin Barthel Lawton Katz Pugh Forrest Rockall Blatchford
Killip Caprini Framingham Gail Tyrer Cuzick Kasai Ladd Nuss Ravitch Gehrig Hunt Schilling Bence Jones Auer
Reed Sternberg Howell Jolly Heinz Pelger Huet Philadelphia Kerley Kupffer Langerhans Leydig Sertoli Purkinje
Schwann Golgi Eustachian Hering Breuer Frank Cori Krebs Michaelis Menten Hardy Weinberg Mendel Salk Sabin
Hickman Broviac Groshong Jackson Pratt Penrose Sengstaken Blakemore Minnesota Miller Abbott Levin Dobhoff
Yankauer Ambu Venturi Bovie Harrington Steinmann Kirschner Ilizarov Thomas Mayo Rochester Cleveland Hopkins
`);

/** Nouns that follow an eponym ("Foley catheter", "Parkinson disease"): the capitalised word before is not a person. */
export const EPONYM_HEADS = words(`
disease diseases syndrome syndromes sign signs test tests score scores scale criteria catheter catheters
tube drain line lines reflex reflexes maneuver manoeuvre procedure operation fracture fractures cyst cysts
palsy lymphoma sarcoma tumor tumour ulcer esophagus triad disease's phenomenon phenomena classification
stage staging grade grading classification rule rules formula equation index monitor stain staining
cell cells body bodies node nodes duct ducts gland glands tear tears diverticulum respiration respirations
pad pump clip clips needle pin pins wire wires forceps retractor blade mask valve shunt dementia chorea
ataxia anomaly tetralogy disorder disorders lesion lesions murmur rub reaction response
`);
